/** `npm run bench`: the command line of bench/bench.ts. */
import { bench } from '../bench/bench.ts';
import { runMain, UsageError } from '../core/errors.ts';

const help = `Usage: npm run bench [-- --json] [-- --seconds N] [-- --no-peer]

Training throughput of the report's models on the active backend
(HW1_BACKEND chooses one): the MNIST MLP 784-128-10 (batch 128, Adam), each
CNN of train-on-tasks (batch 64) and full-batch function fitting with each
model of simulate-function (steps per second). Where python3 can import torch
(apt-get install python3-torch), the same models train in PyTorch in the same
run, at 1 thread and at one thread per core, and the table shows ours / PyTorch.

Options:
  --json       one JSON document on stdout (progress goes to stderr)
  --seconds N  seconds of measurement per case and side (default 3)
  --no-peer    skip PyTorch
`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  let seconds = 3;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--seconds') {
      const v = argv[++i];
      seconds = Number(v);
      if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--seconds expects a positive number, got ${v ?? 'nothing'}`);
    } else if (a !== '--json' && a !== '--no-peer') {
      throw new UsageError(`unknown ${a.startsWith('-') ? 'option' : 'argument'} ${a}; see --help`);
    }
  }
  await bench({ json: argv.includes('--json'), seconds, peer: !argv.includes('--no-peer') });
  return 0;
}

runMain(() => main(process.argv.slice(2)));
