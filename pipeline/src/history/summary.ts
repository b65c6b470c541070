/**
 * The summary of a report build for its history (history/entry.ts): the
 * headline metrics of every stage, by this checkout's metrics.ts, over the
 * current artifacts, the verdicts its pages show (claims.json), and the
 * commit checked out. `npm run history -- --record <site>` writes it beside
 * the built pages after the build (publish.yml, publish:local): written then,
 * not by the site build, whose output turbo may replay from an older commit.
 * `npm run history` makes its rows' cells the same way (cellsOf).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtClaimsSchema } from '../compare/comparison.ts';
import { readStageMetrics } from '../compare/metrics.ts';
import { writeFileAtomic } from '../core/artifact.ts';
import { InputError } from '../core/errors.ts';
import type { Metric } from '../core/metrics.ts';
import { artifactPath, projectRoot } from '../core/paths.ts';
import { stageList } from '../stages/registry.ts';
import { type EntryCell, type EntryVerdict, HISTORY_ENTRY_FILE, type HistoryEntry, readEntry } from './entry.ts';

export type { EntryVerdict, HistoryEntry } from './entry.ts';
export { HISTORY_ENTRY_FILE, readEntry } from './entry.ts';

/** A stage's headline metrics as cells: the median, the seeds' range and how many seeds. */
export function cellsOf(metrics: readonly Metric[], filter: string | null = null): EntryCell[] {
  return metrics
    .filter((m) => m.headline && (!filter || m.name.toLowerCase().includes(filter.toLowerCase())))
    .map((m) => ({
      name: m.name,
      format: m.format,
      better: m.better ?? null,
      value: m.value,
      min: m.perSeed?.length ? Math.min(...m.perSeed) : null,
      max: m.perSeed?.length ? Math.max(...m.perSeed) : null,
      seeds: m.perSeed?.length ?? 0,
    }));
}

function gitLine(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The verdicts a built report's pages show (its claims.json), or an InputError saying what is wrong with it. */
export function readVerdicts(site: string): EntryVerdict[] {
  const file = join(site, 'claims.json');
  if (!existsSync(file)) throw new InputError(`${site} has no claims.json: build the report first (npx turbo run report)`);
  try {
    return builtClaimsSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).claims.map(({ check, args, status, outcome }) => ({ check, args, status, outcome }));
  } catch (err) {
    throw new InputError(`${file} is not the claims a report build writes (${(err as Error).message.split('\n')[0]}); build the report again`);
  }
}

/**
 * This checkout's report as a history entry, from its artifacts (under
 * `artifactsDir`) and the verdicts its pages show; null outside a git
 * checkout (an entry names its commit).
 */
export async function historyEntry(claims: readonly EntryVerdict[], artifactsDir?: string): Promise<HistoryEntry | null> {
  const head = gitLine(['log', '-1', '--format=%H%x00%cI%x00%s']);
  if (!head) return null;
  const [commit, date, subject] = head.split('\0') as [string, string, string];
  const stages: HistoryEntry['stages'] = [];
  let profile = '';
  let backend = '';
  for (const { name } of stageList) {
    const read = await readStageMetrics(artifactPath(name, artifactsDir), name);
    if (!read.manifest) throw new InputError(`stage "${name}": ${read.note}`);
    profile ||= read.manifest.profile;
    backend ||= read.manifest.backend.name;
    stages.push({ name, metrics: read.metrics ? cellsOf(read.metrics) : [] });
  }
  return {
    version: 1,
    commit,
    date: new Date(date).toISOString(),
    subject: subject.slice(0, 500),
    dirty: gitLine(['status', '--porcelain', '--untracked-files=no']) !== '',
    profile,
    backend,
    builtAt: new Date().toISOString(),
    stages,
    claims: [...claims],
  };
}

/** Writes this checkout's entry into the built report `site` (history-entry.json); returns what it did, in words. */
export async function recordEntry(site: string, artifactsDir?: string): Promise<string> {
  const entry = await historyEntry(readVerdicts(site), artifactsDir);
  if (!entry) throw new InputError(`${projectRoot} is not a git checkout: a history entry names its commit`);
  writeFileAtomic(join(site, HISTORY_ENTRY_FILE), `${JSON.stringify(readEntry(entry), null, 1)}\n`);
  return `recorded ${entry.commit.slice(0, 10)}${entry.dirty ? ' (with uncommitted changes)' : ''}: ${entry.stages.length} stages, ${entry.claims.length} claims, in ${relative(process.cwd(), join(site, HISTORY_ENTRY_FILE)) || HISTORY_ENTRY_FILE}`;
}
