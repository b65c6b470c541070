/** `npm run new-stage -- <name> [--title "…"] [--section "…"]`: the command line of tooling/new-stage.ts. */
import { parseCommandLine } from '../core/cli.ts';
import { runMain, UsageError } from '../core/errors.ts';
import { type NewStageOptions, newStage } from '../tooling/new-stage.ts';

const help = `Usage: npm run new-stage -- <name> [--title "<title>"] [--section "<label>"]

Adds a working stage called <name> from the templates (a small MLP fitting
sin(2πx) from a few seeds), ready to run and to edit:
  pipeline/src/stages/<name>/spec.ts     config and data schemas (no TensorFlow.js)
  pipeline/src/stages/<name>/run.ts      the experiment: runOne per independent run, run
  pipeline/src/stages/<name>/metrics.ts  the numbers npm run diff compares
  content/experiments/<name>.yaml        its config, with a quick profile
  content/report/<name>.mdx              its page, placed after the others
  site/src/stages/<name>.ts              its figures, the facts the page quotes, its checks
  test/unit/checks/<name>.test.ts        its checks' cases, on a fixture of its artifact
and updates the derived files (npm run sync): the two stage registries, the
stage's package (stages/<name>/) and its turbo task. Then: HW1_PROFILE=quick npx turbo run report,
and for the checks' fixture: npx node test/fixtures/make-artifact-fixtures.ts <name>

Options:
  --title "<title>"    the page's title (default: from the name)
  --section "<label>"  the section label in the report, e.g. "2-1" (default: the name)
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(argv, { title: { type: 'string' }, section: { type: 'string' } }, help, { maxPositionals: Number.POSITIVE_INFINITY });
  if (!cl) return 0;
  const { values, positionals } = cl;
  for (const k of ['title', 'section'] as const) if (values[k] === '') throw new UsageError(`--${k} needs a value`);
  if (positionals.length !== 1) throw new UsageError(`expected one stage name, got ${positionals.length}; see --help`);
  const options: Partial<NewStageOptions> = { ...(values.title ? { title: values.title } : {}), ...(values.section ? { section: values.section } : {}) };
  const written = await newStage({ ...options, name: positionals[0]! });
  process.stdout.write(
    `new stage "${positionals[0]}": wrote\n${written.map((f) => `  ${f}\n`).join('')}Run it: HW1_PROFILE=quick npx turbo run report\nThen its checks' fixture: npx node test/fixtures/make-artifact-fixtures.ts ${positionals[0]}\n`,
  );
  return 0;
}

runMain(() => main(process.argv.slice(2)));
