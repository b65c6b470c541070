/**
 * Scalar metrics of a stage's artifact, for `npm run diff` (the "What changed"
 * page, `--md`, `--json`).
 *
 * How a stage gets metrics: write `stages/<name>/metrics.ts` exporting
 *
 *     export function metrics(data: <Name>Data): Metric[]
 *
 * (import the data type with `import type`). Every metric is one number the
 * report shows or could show: a final loss, an accuracy, a ratio, a count.
 * - `name` is unique within the stage and stable across commits: base and head
 *   are matched on it. Read it as a table row, e.g. "sinc · shallow · final
 *   training loss".
 * - `value` is the number (for several seeds, their median); null when there
 *   is none (e.g. every run diverged).
 * - `format` says how to print it; `better` which direction is an improvement.
 * - `perSeed` holds one value per seed (or independent run) where the stage
 *   repeats a run; the diff then says whether a change exceeds the spread
 *   over seeds.
 * - `headline` marks the few a reader follows the stage by (wrap them in
 *   `headline(…)`): `npm run history` gives each a column, commit by commit;
 *   the diff lists every metric and says which are headline.
 *
 * Nothing in the stage's run.ts or spec.ts imports its metrics.ts, so a
 * metric can change without retraining the stage (the run module's imports
 * are its cache key). A stage without metrics still shows what changed.
 */
import { median } from './stats.ts';

/** How a metric's value is written (compare/comparison.ts formatValue). */
export const metricFormats = ['sci', 'percent', 'int', 'fixed'] as const;
export type MetricFormat = (typeof metricFormats)[number];

export interface Metric {
  name: string;
  value: number | null;
  format: MetricFormat;
  better?: 'lower' | 'higher';
  perSeed?: number[];
  headline?: boolean;
}

/** The same metric, marked as one of the stage's headline numbers (when `when` holds; e.g. only the first and last model's). */
export const headline = (m: Metric, when = true): Metric => (when ? { ...m, headline: true } : m);

/** A metric over seeds: the median as value, every seed's value kept; null when there are none. */
export function overSeeds(name: string, values: readonly number[], format: MetricFormat, better?: Metric['better']): Metric {
  return { name, value: values.length ? median(values) : null, format, ...(better ? { better } : {}), perSeed: [...values] };
}

/** Equal up to rounding noise far below anything the report prints. */
export function same(a: number | null, b: number | null): boolean {
  if (a === null || b === null) return a === b;
  return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
}

/** The spread (max − min) over seeds, where there are two seeds or more; else null. */
export const seedSpread = (seeds: readonly number[] | null | undefined): number | null =>
  seeds && seeds.length >= 2 ? Math.max(...seeds) - Math.min(...seeds) : null;

/**
 * Whether a metric moved from `a` to `b` by more than the spread over seeds
 * on either side (the larger): null when it did not change, or when either
 * side has no spread (fewer than two seeds). `npm run diff`, `npm run history`
 * and the published History page all judge a change by it.
 */
export function beyondSpread(a: number | null, b: number | null, spreadA: number | null, spreadB: number | null): boolean | null {
  if (a === null || b === null || same(a, b) || spreadA === null || spreadB === null) return null;
  return Math.abs(b - a) > Math.max(spreadA, spreadB);
}

/** A metric as a history keeps it: the median (or the one value), the seeds' range, how many seeds. */
export interface SeedSummary {
  value: number | null;
  min: number | null;
  max: number | null;
  seeds: number;
}

/** Moved since `before`: beyond the seeds' spread (beyondSpread); a value without seeds on either side, changed at all. */
export function movedSince(before: SeedSummary, now: SeedSummary): boolean {
  const spread = (c: SeedSummary) => (c.seeds >= 2 && c.min !== null && c.max !== null ? c.max - c.min : null);
  const beyond = beyondSpread(before.value, now.value, spread(before), spread(now));
  if (beyond !== null) return beyond;
  return spread(before) === null && spread(now) === null && before.value !== null && now.value !== null && !same(before.value, now.value);
}
