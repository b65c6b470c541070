/**
 * `npm run sync [-- --check]`: writes the files derived from the stage
 * folders (tooling/sync.ts): the stage registry, the stage scripts and
 * turbo.json. With --check, writes nothing and exits 1 if any is out of date.
 */
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseCommandLine } from '../core/cli.ts';
import { runMain } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { derive, stale } from '../tooling/sync.ts';

const help = `Usage: npm run sync [-- --check]

Derives from the stage folders (pipeline/src/stages/<name>/ with spec.ts and
run.ts) and the report pages' front matter:
  pipeline/src/stages/registry.ts   every stage's spec, in report order
  pipeline/package.json             the stage:<name> scripts turbo runs
  turbo.json                        one task per stage: the code, config and
                                    data it depends on, and the report task
Run it after adding, renaming or removing a stage, or after changing which
modules a stage imports (a test fails until you do).

Options:
  --check   write nothing; exit 1 and name the files that are out of date
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(argv, { check: { type: 'boolean' } }, help);
  if (!cl) return 0;
  const { files, stages, warnings } = await derive();
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  const outdated = stale(files);
  const shown = (f: { file: string }) => relative(projectRoot, f.file);
  if (cl.values.check) {
    if (outdated.length === 0) {
      process.stdout.write(`sync: up to date (${stages.length} stages)\n`);
      return 0;
    }
    process.stderr.write(`sync: out of date: ${outdated.map(shown).join(', ')}; run \`npm run sync\`\n`);
    return 1;
  }
  for (const f of outdated) writeFileSync(f.file, f.text);
  process.stdout.write(
    `sync: ${stages.length} stages (${stages.join(', ')}); ${outdated.length ? `wrote ${outdated.map(shown).join(', ')}` : 'nothing to write'}\n`,
  );
  return 0;
}

runMain(() => main(process.argv.slice(2)));
