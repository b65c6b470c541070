/**
 * A history entry: one report build's summary (its commit, profile and
 * backend, every stage's headline metrics with their seeds' range, its claims'
 * verdicts), written beside the pages as history-entry.json after the build
 * (`npm run history -- --record`, history/summary.ts) and kept on the published site as history/<commit>.json, one per publish
 * of main (site/scripts/history-page.ts).
 *
 * Entries read back from the Pages branch are data, not code: readEntry
 * checks every field's type, size and shape and refuses anything else. This
 * module imports only core modules that import nothing themselves, so the
 * publish step, which runs with nothing installed, reads entries (and judges
 * what moved and what changed) with the same definitions the build uses.
 */
import { type MetricFormat, metricFormats } from '../core/metrics.ts';

export { movedSince } from '../core/metrics.ts';

export const HISTORY_ENTRY_FILE = 'history-entry.json';
/** An entry file larger than this is not read. */
export const MAX_ENTRY_BYTES = 256 * 1024;

export type Format = MetricFormat;
const formats: readonly Format[] = metricFormats;

export interface EntryCell {
  name: string;
  format: Format;
  better: 'lower' | 'higher' | null;
  /** The median over seeds (or the one value); null when there is none. */
  value: number | null;
  /** The seeds' range; null without seeds. */
  min: number | null;
  max: number | null;
  seeds: number;
}

export interface EntryVerdict {
  check: string;
  args: string;
  status: 'pass' | 'fail' | 'unchecked';
  /** A finding's outcome; null for a claim. */
  outcome: string | null;
}

export interface HistoryEntry {
  version: 1;
  commit: string;
  /** Committer date, ISO 8601. */
  date: string;
  subject: string;
  /** Built from uncommitted changes on top of `commit`. */
  dirty: boolean;
  profile: string;
  backend: string;
  /** When the report was built, ISO 8601. */
  builtAt: string;
  stages: Array<{ name: string; metrics: EntryCell[] }>;
  claims: EntryVerdict[];
}

export class EntryError extends Error {}

const fail = (what: string): never => {
  throw new EntryError(what);
};
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function text(v: unknown, what: string, max = 300): string {
  if (typeof v !== 'string' || v.length > max || [...v].some((c) => c.charCodeAt(0) < 32))
    fail(`${what}: expected a string of at most ${max} characters without control characters`);
  return v as string;
}
function num(v: unknown, what: string): number | null {
  if (v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what}: expected a finite number or null`);
  return v as number;
}
function list(v: unknown, what: string, max: number): unknown[] {
  if (!Array.isArray(v) || v.length > max) fail(`${what}: expected a list of at most ${max}`);
  return v as unknown[];
}
function keys(o: Record<string, unknown>, allowed: readonly string[], what: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) fail(`${what}: unexpected field ${extra[0]}`);
}
const date = (v: unknown, what: string): string => {
  const s = text(v, what, 40);
  if (!/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(s) || Number.isNaN(Date.parse(s))) fail(`${what}: expected an ISO 8601 date`);
  return s;
};

function readCell(v: unknown, what: string): EntryCell {
  if (!isObject(v)) return fail(`${what}: expected an object`);
  keys(v, ['name', 'format', 'better', 'value', 'min', 'max', 'seeds'], what);
  const format = v.format as Format;
  if (!formats.includes(format)) fail(`${what}.format: expected one of ${formats.join(', ')}`);
  if (v.better !== null && v.better !== 'lower' && v.better !== 'higher') fail(`${what}.better: expected lower, higher or null`);
  if (typeof v.seeds !== 'number' || !Number.isInteger(v.seeds) || v.seeds < 0 || v.seeds > 100_000) fail(`${what}.seeds: expected a count`);
  return {
    name: text(v.name, `${what}.name`),
    format,
    better: v.better as EntryCell['better'],
    value: num(v.value, `${what}.value`),
    min: num(v.min, `${what}.min`),
    max: num(v.max, `${what}.max`),
    seeds: v.seeds as number,
  };
}

/** Checks that `raw` (parsed JSON) is a history entry, and returns it; an EntryError says which field is wrong. */
export function readEntry(raw: unknown): HistoryEntry {
  if (!isObject(raw)) return fail('expected an object');
  keys(raw, ['version', 'commit', 'date', 'subject', 'dirty', 'profile', 'backend', 'builtAt', 'stages', 'claims'], 'entry');
  if (raw.version !== 1) fail('version: expected 1');
  const commit = text(raw.commit, 'commit', 40);
  if (!/^[0-9a-f]{40}$/.test(commit)) fail('commit: expected 40 hexadecimal digits');
  if (typeof raw.dirty !== 'boolean') fail('dirty: expected true or false');
  const stages = list(raw.stages, 'stages', 100).map((s, i) => {
    if (!isObject(s)) return fail(`stages[${i}]: expected an object`);
    keys(s, ['name', 'metrics'], `stages[${i}]`);
    const name = text(s.name, `stages[${i}].name`, 100);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) fail(`stages[${i}].name: expected a stage name`);
    return { name, metrics: list(s.metrics, `stages[${i}].metrics`, 50).map((c, j) => readCell(c, `stages[${i}].metrics[${j}]`)) };
  });
  const claims = list(raw.claims, 'claims', 1000).map((c, i): EntryVerdict => {
    if (!isObject(c)) return fail(`claims[${i}]: expected an object`);
    keys(c, ['check', 'args', 'status', 'outcome'], `claims[${i}]`);
    if (c.status !== 'pass' && c.status !== 'fail' && c.status !== 'unchecked') fail(`claims[${i}].status: expected pass, fail or unchecked`);
    return {
      check: text(c.check, `claims[${i}].check`, 100),
      args: text(c.args, `claims[${i}].args`),
      status: c.status as EntryVerdict['status'],
      outcome: c.outcome === null ? null : text(c.outcome, `claims[${i}].outcome`, 100),
    };
  });
  return {
    version: 1,
    commit,
    date: date(raw.date, 'date'),
    subject: text(raw.subject, 'subject', 500),
    dirty: raw.dirty as boolean,
    profile: text(raw.profile, 'profile', 20),
    backend: text(raw.backend, 'backend', 200),
    builtAt: date(raw.builtAt, 'builtAt'),
    stages,
    claims,
  };
}

/** A claim's identity from one build to the next: its check and arguments. */
export const verdictKey = (v: Pick<EntryVerdict, 'check' | 'args'>): string => `${v.check}${v.args ? ` ${v.args}` : ''}`;

/** The claims and findings whose verdict or chosen outcome differs between two builds (one that only one of them has does not count). */
export function changedVerdicts(
  before: readonly EntryVerdict[],
  now: readonly EntryVerdict[],
): Array<{ key: string; before: EntryVerdict; now: EntryVerdict }> {
  const was = new Map(before.map((v) => [verdictKey(v), v]));
  return now.flatMap((v) => {
    const b = was.get(verdictKey(v));
    return b && (b.status !== v.status || b.outcome !== v.outcome) ? [{ key: verdictKey(v), before: b, now: v }] : [];
  });
}
