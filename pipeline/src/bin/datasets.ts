/**
 * `npm run datasets` (and every `npm ci`): links cache/datasets/<name> to each
 * dataset's directory, so turbo's cache keys see the data, and says which
 * datasets are present. Never deletes anything but its own links: a real
 * directory in the way is reported (exit 2; during `npm ci`, with
 * --warn-only, a warning that lets the install finish).
 */
import { relative } from 'node:path';
import { runMain, UsageError } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { linkDatasets } from '../data/links.ts';

runMain(async () => {
  const args = process.argv.slice(2);
  const unknown = args.find((a) => a !== '--warn-only');
  if (unknown) throw new UsageError(`unknown option ${unknown}; the only option is --warn-only`);
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
