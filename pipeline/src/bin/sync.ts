/**
 * `npm run sync [-- --check]`: writes the files derived from the stage
 * folders (tooling/sync.ts): the stage registry, the stage scripts and
 * turbo.json. With --check, writes nothing and exits 1 if any is out of date.
 */
import { parseCommandLine } from '../core/cli.ts';
import { runMain } from '../core/errors.ts';
import { sync, syncCheck } from '../tooling/sync.ts';

const help = `Usage: npm run sync [-- --check]

Derives from the stage folders (pipeline/src/stages/<name>/ with spec.ts and
run.ts) and the report pages' front matter:
  pipeline/src/stages/registry.ts   every stage's spec, in report order
  stages/<name>/package.json        each stage's own package: its turbo task
                                    (script stage:<name>), so that no other
                                    stage's change reaches its cache key
  turbo.json                        one task per stage: the code, config and
                                    data it depends on, and the report task
  package-lock.json                 the stage packages (npm install
                                    --package-lock-only, offline)
Run it after adding, renaming or removing a stage, or after changing which
modules a stage imports (a test fails until you do).

Options:
  --check   write nothing; exit 1 and name the files that are out of date
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(argv, { check: { type: 'boolean' } }, help);
  if (!cl) return 0;
  if (cl.values.check) {
    const { stages, warnings, outdated } = await syncCheck();
    for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
    if (outdated.length === 0) {
      process.stdout.write(`sync: up to date (${stages.length} stages)\n`);
      return 0;
    }
    process.stderr.write(`sync: out of date: ${outdated.join(', ')}; run \`npm run sync\`\n`);
    return 1;
  }
  const { stages, warnings, written } = await sync();
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`sync: ${stages.length} stages (${stages.join(', ')}); ${written.length ? `wrote ${written.join(', ')}` : 'nothing to write'}\n`);
  return 0;
}

runMain(() => main(process.argv.slice(2)));
