/**
 * Loading a stage's metrics module (stages/<name>/metrics.ts; the Metric
 * type and how to write one are in core/metrics.ts) and checking what it returns.
 */
import { existsSync } from 'node:fs';
import type { Metric } from '../core/metrics.ts';
import { stageFile } from '../core/paths.ts';

export interface MetricsModule {
  metrics(data: never): Metric[];
}

/** The stage's metrics module, or null when it has none. */
export async function loadMetrics(stage: string): Promise<MetricsModule | null> {
  const file = stageFile(stage, 'metrics');
  if (!existsSync(file)) return null;
  const module = (await import(`../stages/${stage}/metrics.ts`)) as Partial<MetricsModule>;
  if (typeof module.metrics !== 'function') throw new Error(`${file} does not export a function metrics(data)`);
  return module as MetricsModule;
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
