/**
 * `npm run datasets` (and every `npm ci`): links cache/datasets/<name> to each
 * dataset's directory, so turbo's cache keys see the data, and says which
 * datasets are present.
 */
import { relative } from 'node:path';
import { runMain } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { linkDatasets } from '../data/links.ts';

runMain(async () => {
  for (const { name, link, target, available } of linkDatasets()) {
    const where = target ? `${relative(projectRoot, link)} -> ${target}` : 'no location (set HW1_DATA_DIR)';
    process.stdout.write(`${available ? 'present' : 'absent '}  ${name.padEnd(14)} ${where}\n`);
  }
  return 0;
});
