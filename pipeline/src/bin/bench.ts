/** `npm run bench`: the command line of bench/bench.ts. */
import { bench, profile } from '../bench/bench.ts';
import { parseCommandLine } from '../core/cli.ts';
import { runMain, UsageError } from '../core/errors.ts';

const help = `Usage: npm run bench [-- --json] [-- --seconds N] [-- --no-peer]
       npm run bench -- --profile [--only TEXT] [--steps N]

Training throughput of the report's models on the active backend
(HW1_BACKEND chooses one): the MNIST MLP 784-128-10 (batch 128, Adam), each
CNN of train-on-tasks (batch 64), full-batch function fitting with each
model of simulate-function (steps per second), and the ensembles the stages
train as one batched model: the 15 fits of each simulate-function model and
minimal-ratio's 100 networks (run-steps per second, also measured one run
after another). Where python3 can import torch (apt-get install
python3-torch), the same models train in PyTorch in the same run, at 1 thread
and at one thread per core (ensembles batched with torch.baddbmm and one
after another), and the table shows ours / PyTorch at its faster thread count.

The peer says what it ran on, above the table and in --json's "peer": torch's
version and thread counts (the BLAS's own thread pool is set to torch's count
at each, so 1 thread means one), the BLAS library actually loaded into the process
(OpenBLAS, MKL, BLIS, the reference BLAS, or unknown; with its path), oneDNN's
availability and version, and OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE and the
thread-count variables where set. Debian's torch calls whichever libblas.so.3
the alternatives select; against the reference one the ratios understate
PyTorch, and the bench warns: apt-get install libopenblas0-pthread selects
OpenBLAS.

Options:
  --json       one JSON document on stdout (progress goes to stderr)
  --seconds N  seconds of measurement per case and side (default 3)
  --no-peer    skip PyTorch
  --profile    instead of throughput: where a training step's time goes,
               kernel by kernel (tfjs's profiler), for every case
  --only TEXT  only the cases whose name contains TEXT (e.g. --only cnn-4conv)
  --steps N    with --profile: training steps profiled (default 20)
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(
    argv,
    {
      json: { type: 'boolean' },
      seconds: { type: 'string' },
      'no-peer': { type: 'boolean' },
      profile: { type: 'boolean' },
      only: { type: 'string' },
      steps: { type: 'string' },
    },
    help,
  );
  if (!cl) return 0;
  const o = cl.values;
  const seconds = o.seconds === undefined ? 3 : Number(o.seconds);
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new UsageError(`--seconds expects a positive number, got ${o.seconds}`);
  const steps = o.steps === undefined ? 20 : Number(o.steps);
  if (!Number.isInteger(steps) || steps < 1) throw new UsageError(`--steps expects a positive integer, got ${o.steps}`);
  if (o.only === '') throw new UsageError('--only expects the text of a case name, e.g. --only cnn-4conv');
  const only = o.only ?? null;
  if (!o.profile && o.steps !== undefined) throw new UsageError('--steps goes with --profile; see --help');
  if (o.profile && (o.json || o.seconds !== undefined)) throw new UsageError('--json and --seconds do not go with --profile; see --help');
  if (o.profile) await profile(only, steps);
  else await bench({ json: Boolean(o.json), seconds, peer: !o['no-peer'], only });
  return 0;
}

runMain(() => main(process.argv.slice(2)));
