/**
 * Scalar metrics of a stage's artifact, for `npm run diff` (the "What changed"
 * page, `--md`, `--json`).
 *
 * How a stage gets metrics: write `pipeline/src/stages/<name>.metrics.ts`
 * exporting
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
 *
 * Keep the metrics module out of the stage's own import closure: nothing in
 * `<name>.ts` or `<name>.schema.ts` may import it (or this file), since the
 * closure is the stage's cache key. Only this registry loads it, by name.
 * A stage without a metrics module still shows what changed, with no metrics.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipelineRoot } from './hash.ts';

export type MetricFormat = 'sci' | 'percent' | 'int' | 'fixed';

export interface Metric {
  name: string;
  value: number | null;
  format: MetricFormat;
  better?: 'lower' | 'higher';
  perSeed?: number[];
}

export interface MetricsModule {
  metrics(data: never): Metric[];
}

export function metricsModulePath(stage: string): string {
  return join(pipelineRoot, 'src', 'stages', `${stage}.metrics.ts`);
}

/** The stage's metrics module, or null when it has none. */
export async function loadMetrics(stage: string): Promise<MetricsModule | null> {
  const file = metricsModulePath(stage);
  if (!existsSync(file)) return null;
  const module = (await import(`./stages/${stage}.metrics.ts`)) as Partial<MetricsModule>;
  if (typeof module.metrics !== 'function') throw new Error(`${file} does not export a function metrics(data)`);
  return module as MetricsModule;
}

/** The median of the values (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A metric over seeds: the median as value, every seed's value kept; null when there are none. */
export function overSeeds(name: string, values: readonly number[], format: MetricFormat, better?: Metric['better']): Metric {
  return { name, value: values.length ? median(values) : null, format, ...(better ? { better } : {}), perSeed: [...values] };
}

/** Checks what a metrics function returned: names unique, numbers finite. */
export function checkMetrics(stage: string, list: readonly Metric[]): Metric[] {
  const seen = new Set<string>();
  for (const m of list) {
    if (seen.has(m.name)) throw new Error(`metrics of stage "${stage}": the name "${m.name}" appears twice`);
    seen.add(m.name);
    if (m.value !== null && !Number.isFinite(m.value)) throw new Error(`metrics of stage "${stage}": "${m.name}" is ${m.value}`);
  }
  return [...list];
}
