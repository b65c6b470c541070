/**
 * `npm run history` (bin/history.ts reads the command line): every stage's
 * headline metrics and the report's claims, one row per commit of a range,
 * oldest first. Each commit is checked out in a temporary git worktree, as
 * `npm run diff` checks out its sides (compare/diff.ts prepareCheckout), and
 * turbo is asked what its caches hold (local, and remote when configured):
 * a cached stage is replayed, never trained; one that is not says why in its
 * row (not cached, or its config invalid), unless `--build` computes it.
 *
 * The metrics are this checkout's definitions (the `headline` ones of
 * stages/<name>/metrics.ts) over each commit's artifact, so a column means
 * the same on every row, as in `npm run diff`; the claims are what that
 * commit's report said (the claims.json its site build writes), counted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { latestSummary, prepareCheckout, sideEnv, stagesOf, type TaskSummary } from '../compare/diff.ts';
import { readStageMetrics } from '../compare/metrics.ts';
import { dryRun } from '../compare/turbo.ts';
import { DiffError, git, missingLayout, repositoryOf, runProcess, Worktrees } from '../compare/worktree.ts';
import type { Profile } from '../core/config.ts';
import { InputError } from '../core/errors.ts';
import { duration } from '../core/format.ts';
import { metricFormats, movedSince } from '../core/metrics.ts';
import { artifactPath, projectRoot } from '../core/paths.ts';
import type { Logger } from '../core/progress.ts';
import { changedVerdicts } from './entry.ts';
import { cellsOf, readVerdicts } from './summary.ts';

export interface HistoryOptions {
  /** A revision range (`v1..main`), or one revision whose ancestors are listed; null: HEAD. */
  range: string | null;
  /** The newest this many commits of the range. */
  last: number;
  /** Only these stages (null: all). */
  stages: string[] | null;
  /** Only metrics whose name contains this (case-insensitive). */
  metric: string | null;
  /** Compute what the caches lack (trains), instead of saying so. */
  build: boolean;
  profile: Profile;
}

const cellSchema = z.strictObject({
  name: z.string(),
  format: z.enum(metricFormats),
  better: z.enum(['lower', 'higher']).nullable(),
  /** The median over seeds (or the one value); null when there is none. */
  value: z.number().nullable(),
  /** The seeds' range; null without seeds. */
  min: z.number().nullable(),
  max: z.number().nullable(),
  seeds: z.int(),
  /** Moved beyond the seeds' spread (without seeds: changed at all) since the row before that has it. */
  moved: z.boolean(),
});
export type Cell = z.infer<typeof cellSchema>;

/** replayed: from turbo's cache; ran: computed by --build; the others have no results, `reason` says why. */
const stageStatus = z.enum(['replayed', 'ran', 'not-cached', 'config-invalid', 'failed', 'unreadable', 'absent']);

const stageRowSchema = z.strictObject({
  name: z.string(),
  status: stageStatus,
  reason: z.string().nullable(),
  metrics: z.array(cellSchema),
});

const claimsCountSchema = z.strictObject({
  hold: z.int(),
  fail: z.int(),
  unchecked: z.int(),
  /** Claims and findings whose verdict (or chosen outcome) differs from the row before that has claims; null for the first. */
  changed: z.int().nullable(),
  /** Each claim's and finding's verdict, as the commit's pages show it. */
  verdicts: z.array(z.strictObject({ check: z.string(), args: z.string(), status: z.enum(['pass', 'fail', 'unchecked']), outcome: z.string().nullable() })),
});

export const historyRowSchema = z.strictObject({
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  short: z.string(),
  /** Committer date, ISO 8601. */
  date: z.string(),
  subject: z.string(),
  /** Why the commit has no results at all (not this project's layout), else null. */
  reason: z.string().nullable(),
  stages: z.array(stageRowSchema),
  /** What the commit's report said of its claims and findings; null when its report is not cached (`claimsReason`). */
  claims: claimsCountSchema.nullable(),
  claimsReason: z.string().nullable(),
});
export type HistoryRow = z.infer<typeof historyRowSchema>;

export const historySchema = z.strictObject({
  version: z.literal(1),
  profile: z.string(),
  /** As asked: "HEAD", "v1..main". */
  range: z.string(),
  /** Oldest first. */
  rows: z.array(historyRowSchema),
});
export type History = z.infer<typeof historySchema>;

interface Commit {
  commit: string;
  date: string;
  subject: string;
}

/** The commits of the range, first parents only, oldest first: the newest `last` of them. */
export function commitsOf(top: string, range: string | null, last: number): Commit[] {
  const rev = range ?? 'HEAD';
  let out: string;
  try {
    out = git(['log', '--first-parent', `--max-count=${last}`, '--format=%H%x00%cI%x00%s', rev, '--'], top);
  } catch (err) {
    throw new DiffError(`not a revision or range git knows: ${rev} (${(err as Error).message.split('\n')[0]})`);
  }
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [commit, date, subject] = l.split('\0') as [string, string, string];
      return { commit, date, subject };
    })
    .reverse();
}

/** How many verdicts differ from the nearest row before that has claims (a claim only one of them has does not count). */
function markVerdictChanges(rows: HistoryRow[]): void {
  let before: HistoryRow['claims'] = null;
  for (const row of rows) {
    if (!row.claims) continue;
    if (before) row.claims.changed = changedVerdicts(before.verdicts, row.claims.verdicts).length;
    before = row.claims;
  }
}

/** Marks what moved: each cell beyond its seeds' spread, each row's changed verdicts, against the nearest row before that has them. */
export function markChanges(rows: HistoryRow[]): void {
  markMoves(rows);
  markVerdictChanges(rows);
}

/** Each cell against the nearest row before it that has a value for the same stage and metric. */
function markMoves(rows: HistoryRow[]): void {
  const last = new Map<string, Cell>();
  for (const row of rows)
    for (const stage of row.stages)
      for (const cell of stage.metrics) {
        const key = `${stage.name}\0${cell.name}`;
        const before = last.get(key);
        if (cell.value === null) continue;
        if (before) cell.moved = movedSince(before, cell);
        last.set(key, cell);
      }
}

/**
 * Which of `names` have a config the commit's own code refuses, with the
 * message on one line: asked of the commit's code in its checkout. A
 * commit whose code cannot answer (another layout) gives none.
 */
async function invalidConfigs(dir: string, names: readonly string[], profile: Profile): Promise<Map<string, string>> {
  const script = `
    const { specs } = await import('./pipeline/src/stages/index.ts');
    const { loadStageConfig } = await import('./pipeline/src/core/config.ts');
    const bad = {};
    for (const name of JSON.parse(process.argv[1])) {
      try { loadStageConfig(specs[name], process.argv[2]); } catch (err) { bad[name] = String(err && err.message).split('\\n').map((l) => l.trim()).filter(Boolean).join(' ').slice(0, 300); }
    }
    process.stdout.write(JSON.stringify(bad));`;
  const r = await runProcess(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(names), profile], { cwd: dir, env: sideEnv(profile) });
  if (r.code !== 0) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(r.tail.join('\n').trim() || '{}') as Record<string, string>));
  } catch {
    return new Map();
  }
}

/** One commit's row: checked out, asked of the caches, replayed (or built), read. */
async function rowOf(c: Commit, worktrees: Worktrees, prefix: string, options: HistoryOptions, log: Logger): Promise<HistoryRow> {
  const short = c.commit.slice(0, 7);
  const row: HistoryRow = { ...c, short, reason: null, stages: [], claims: null, claimsReason: null };
  const top = worktrees.add(short, c.commit);
  try {
    const dir = join(top, prefix);
    const missing = missingLayout(dir);
    if (missing.length) {
      row.reason = `not this project's layout (no ${missing.join(', ')})`;
      row.claimsReason = row.reason;
      return row;
    }
    await prepareCheckout(dir, short, options.profile, (l) => log.info(`${short}: ${l}`));
    const all = stagesOf(dir);
    const stages = options.stages ? all.filter((s) => options.stages!.includes(s.name)) : all;
    const env = sideEnv(options.profile);
    const cacheArgs = ['--cache-dir', join(projectRoot, 'cache', 'turbo')];
    const dry = dryRun(dir, env, cacheArgs);
    const hit = (task: string) => dry.find((t) => t.task === task)?.cache.status === 'HIT';
    const cached = stages.filter((s) => hit(`stage:${s.name}`)).map((s) => s.name);
    const siteCached = hit('report');
    // The site's task replays (or, with --build, computes) every stage with it; with --stage, only those stages run.
    const tasks = options.build
      ? options.stages
        ? stages.map((s) => `stage:${s.name}`)
        : ['report']
      : siteCached && cached.length === stages.length
        ? ['report']
        : cached.map((n) => `stage:${n}`);
    let summary: Map<string, TaskSummary> = new Map();
    if (tasks.length) {
      const turbo = join(projectRoot, 'node_modules', '.bin', 'turbo');
      const r = await runProcess(turbo, ['run', ...tasks, ...cacheArgs, '--summarize', '--output-logs=errors-only', '--continue'], {
        cwd: dir,
        env,
        onLine: options.build ? (l) => process.stderr.write(`[${short}] ${l}\n`) : undefined,
      });
      summary = new Map((latestSummary(dir)?.tasks ?? []).map((t) => [t.taskId.replace(/^.*#/, ''), t]));
      if (r.code !== 0 && summary.size === 0) throw new DiffError(`turbo failed on ${short} with exit code ${r.code}:\n${r.tail.slice(-12).join('\n')}`);
    }
    const invalid = options.build
      ? new Map<string, string>()
      : await invalidConfigs(
          dir,
          stages.filter((s) => !cached.includes(s.name)).map((s) => s.name),
          options.profile,
        );
    for (const { name } of stages) {
      const task = summary.get(`stage:${name}`);
      const code = task?.execution?.exitCode;
      if (!task) {
        const why = invalid.get(name);
        row.stages.push(
          why
            ? { name, status: 'config-invalid', reason: `config invalid: ${why}`, metrics: [] }
            : { name, status: 'not-cached', reason: `not cached${options.build ? '' : ' (npm run history -- --build computes it)'}`, metrics: [] },
        );
        continue;
      }
      if (code !== undefined && code !== null && code !== 0) {
        row.stages.push({ name, status: 'failed', reason: `stage failed (exit code ${code})`, metrics: [] });
        continue;
      }
      const read = await readStageMetrics(artifactPath(name, join(dir, 'cache', 'artifacts')), name);
      const status = task.cache.status === 'HIT' ? 'replayed' : 'ran';
      if (!read.metrics) row.stages.push({ name, status: 'unreadable', reason: read.note, metrics: [] });
      else row.stages.push({ name, status, reason: null, metrics: cellsOf(read.metrics, options.metric).map((c) => ({ ...c, moved: false })) });
    }
    const site = summary.get('report');
    if (!site) row.claimsReason = options.build && options.stages ? 'the report was not built (--stage)' : 'the report is not cached';
    else if (site.execution?.exitCode) row.claimsReason = `the report's build failed (exit code ${site.execution.exitCode})`;
    else {
      try {
        const verdicts = readVerdicts(join(dir, 'site', 'dist'));
        const count = (status: string) => verdicts.filter((x) => x.status === status).length;
        row.claims = { hold: count('pass'), fail: count('fail'), unchecked: count('unchecked'), changed: null, verdicts };
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        // A report from before claims.json, or a damaged one: said, not fatal.
        row.claimsReason = existsSync(join(dir, 'site', 'dist', 'claims.json')) ? err.message : 'this commit’s report does not record its claims (claims.json)';
      }
    }
    return row;
  } finally {
    worktrees.remove(top);
  }
}

/** The history of the range: one row per commit, oldest first, each cell marked where it moved. */
export async function history(options: HistoryOptions, log: Logger): Promise<History> {
  const { top, prefix } = repositoryOf(projectRoot);
  const commits = commitsOf(top, options.range, options.last);
  if (commits.length === 0) throw new DiffError(`no commits in ${options.range ?? 'HEAD'}`);
  const worktrees = new Worktrees(top, 'hw1-history-', '[history]');
  const rows: HistoryRow[] = [];
  const t0 = performance.now();
  try {
    for (const [i, c] of commits.entries()) {
      const t = performance.now();
      const row = await rowOf(c, worktrees, prefix, options, log);
      rows.push(row);
      const have = row.stages.filter((s) => s.status === 'replayed' || s.status === 'ran').length;
      const left = commits.length - i - 1;
      const eta = left ? `, ETA ${duration((((performance.now() - t0) / (i + 1)) * left) / 1000)}` : '';
      log.info(
        `${i + 1}/${commits.length} ${row.short}: ${row.reason ?? `${have} of ${row.stages.length} stages with results${row.claims ? ', claims read' : ''}`} (${duration((performance.now() - t) / 1000)}${eta})`,
      );
    }
  } catch (err) {
    // Ctrl-C: the children fail; the signal handler stops them, removes the worktrees, says so and exits.
    if (worktrees.interrupted) await new Promise(() => {});
    throw err;
  } finally {
    if (!worktrees.interrupted) worktrees.dispose();
  }
  markChanges(rows);
  return { version: 1, profile: options.profile, range: options.range ?? 'HEAD', rows };
}
