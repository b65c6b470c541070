/** `npm run diff -- <base> [<head>]`: the command line of compare/diff.ts. */
import { join, resolve } from 'node:path';
import { type DiffOptions, diff } from '../compare/diff.ts';
import { parseCommandLine } from '../core/cli.ts';
import { activeProfile } from '../core/config.ts';
import { runMain, UsageError } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { createLogger } from '../core/progress.ts';

const help = `Usage: npm run diff -- <base> [<head>] [--md | --json] [--out <dir>]

Compares every stage's results at two git revisions. <base> and <head> are
any revisions (branch, tag, hash, HEAD~1); <head> defaults to the working tree
(uncommitted and untracked files included). For each side the stages run in a
temporary git worktree through turbo, sharing this checkout's turbo cache:
a stage whose config, code and data are unchanged is replayed from the cache,
only the others train. The worktrees are removed afterwards, also on failure
or Ctrl-C.

Output: the report built in compare mode (every figure overlays base and head;
changes.html lists per stage what changed and every metric), in
site/dist-compare/ unless --out says otherwise, with comparison.json and
comparison.md beside it; and a summary on stdout.

Options:
  --md         print the metric table as Markdown (for a pull-request comment) instead of the summary
  --json       print the comparison as JSON instead of the summary
  --out <dir>  where to build the compare site (default site/dist-compare)
  --no-site    skip the site build (only the table)

Environment:
  HW1_PROFILE  full | quick (default full): the budget of both sides
  HW1_BACKEND, HW1_WORKERS, HW1_DATA_DIR apply to both sides as to \`npx turbo run report\`.

Progress goes to stderr. Exit status: 0 done, 1 a failure of the tool itself,
2 bad input (unknown revision, a revision without the project, a stage that
failed on one side; the message says which).
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(argv, { md: { type: 'boolean' }, json: { type: 'boolean' }, out: { type: 'string' }, 'no-site': { type: 'boolean' } }, help, {
    maxPositionals: Number.POSITIVE_INFINITY,
  });
  if (!cl) return 0;
  const { values: o, positionals } = cl;
  if (o.md && o.json) throw new UsageError('give at most one of --md and --json');
  if (o.out === '') throw new UsageError('--out needs a directory');
  if (positionals.length === 0) throw new UsageError('expected the base revision, e.g. npm run diff -- main; see --help');
  if (positionals.length > 2) throw new UsageError(`expected at most two revisions (base and head), got ${positionals.length}; see --help`);
  const options: Omit<DiffOptions, 'profile'> = {
    base: positionals[0]!,
    head: positionals[1] ?? null,
    format: o.md ? 'md' : o.json ? 'json' : 'text',
    out: o.out ? resolve(o.out) : join(projectRoot, 'site', 'dist-compare'),
    site: !o['no-site'],
  };
  return diff({ ...options, profile: activeProfile() }, createLogger(process.stderr, { prefix: '[diff]' }));
}

runMain(() => main(process.argv.slice(2)));
