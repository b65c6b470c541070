/** `npm run history`: the command line of history/history.ts (and of summary.ts recordEntry, --record). */
import { resolve } from 'node:path';
import { parseCommandLine } from '../core/cli.ts';
import { activeProfile } from '../core/config.ts';
import { runMain, UsageError } from '../core/errors.ts';
import { createLogger } from '../core/progress.ts';
import { history } from '../history/history.ts';
import { toMarkdown, toText } from '../history/render.ts';
import { recordEntry } from '../history/summary.ts';
import { stageList } from '../stages/registry.ts';

const help = `Usage: npm run history -- [<range>] [--last N] [--stage NAME]… [--metric TEXT] [--json | --md] [--build]
       npm run history -- --record <site-dir>

Every stage's headline metrics and the report's claims, one row per commit,
oldest first: by default the last 20 commits of HEAD (first parents only).
<range> is a revision (its history) or a range such as v1..main.

Results come from turbo's caches (the local one, and the remote cache when
TURBO_API, TURBO_TOKEN and TURBO_TEAM are set), each commit checked out in a
temporary git worktree as npm run diff does; nothing trains unless --build
is given. A commit without results says why in its row: not cached, its
config invalid, its stage failed (with --build). A metric is the median over
seeds with their range; one that moved beyond that spread since the row
before is marked *. The claims column counts what that commit's report said.

Options:
  --last N        the newest N commits of the range (default 20)
  --stage NAME    only this stage (repeatable)
  --metric TEXT   only metrics whose name contains TEXT
  --json          print the history as JSON (one object, its rows oldest first)
  --md            print it as Markdown tables
  --build         compute what the caches lack (trains; may take long)
  --record DIR    write this checkout's build summary (its commit, headline
                  metrics and claims' verdicts) into the built report DIR as
                  history-entry.json, which publishing main adds to the
                  published History page; run after npx turbo run report

Environment:
  HW1_PROFILE  full | quick (default full): the budget whose results are shown

Progress goes to stderr. Exit status: 0 done, 1 a failure of the tool itself,
2 bad input (an unknown revision, range or stage; the message says which).
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(
    argv,
    {
      last: { type: 'string' },
      stage: { type: 'string', multiple: true },
      metric: { type: 'string' },
      json: { type: 'boolean' },
      md: { type: 'boolean' },
      build: { type: 'boolean' },
      record: { type: 'string' },
    },
    help,
    { maxPositionals: 1 },
  );
  if (!cl) return 0;
  const { values: o, positionals } = cl;
  if (o.record !== undefined) {
    if (positionals.length || o.last || o.stage || o.metric || o.json || o.md || o.build) throw new UsageError('--record takes no other option; see --help');
    process.stdout.write(`${await recordEntry(resolve(process.env.INIT_CWD ?? process.cwd(), o.record))}\n`);
    return 0;
  }
  if (o.md && o.json) throw new UsageError('give at most one of --md and --json');
  const last = o.last === undefined ? 20 : Number(o.last);
  if (!Number.isInteger(last) || last < 1 || last > 1000) throw new UsageError(`--last takes a whole number of commits from 1 to 1000, not "${o.last}"`);
  const known = stageList.map((s) => s.name as string);
  for (const s of o.stage ?? []) if (!known.includes(s)) throw new UsageError(`--stage ${s}: no such stage (the stages: ${known.join(', ')})`);
  const range = positionals[0] ?? null;
  if (range?.startsWith('-')) throw new UsageError(`"${range}" looks like an option; see --help`);
  const h = await history(
    { range, last, stages: o.stage?.length ? o.stage : null, metric: o.metric ?? null, build: Boolean(o.build), profile: activeProfile() },
    createLogger(process.stderr, { prefix: '[history]' }),
  );
  process.stdout.write(o.json ? `${JSON.stringify(h, null, 2)}\n` : o.md ? toMarkdown(h) : toText(h));
  return 0;
}

runMain(() => main(process.argv.slice(2)));
