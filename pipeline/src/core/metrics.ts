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
