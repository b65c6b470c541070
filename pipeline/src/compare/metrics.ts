/**
 * Loading a stage's metrics module (stages/<name>/metrics.ts; the Metric
 * type and how to write one are in core/metrics.ts) and checking what it returns.
 */
import { existsSync } from 'node:fs';
import { ArtifactError, type Manifest, readArtifact } from '../core/artifact.ts';
import type { Metric } from '../core/metrics.ts';
import { stageFile } from '../core/paths.ts';
import { specs } from '../stages/registry.ts';

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

/**
 * A stage's metrics from an artifact file, by this checkout's definitions:
 * its spec validates the data (an artifact of an older revision may have no
 * result hash; one that is there is checked), its metrics.ts computes them.
 * `manifest` is the artifact's, when it could be read; `note` says why there
 * are no metrics (no metrics module, no artifact, data of another shape).
 */
export async function readStageMetrics(file: string, stage: string): Promise<{ metrics: Metric[] | null; manifest: Manifest | null; note: string | null }> {
  const spec = (specs as Record<string, (typeof specs)[keyof typeof specs] | undefined>)[stage];
  const module = await loadMetrics(stage);
  if (!spec || !module)
    return { metrics: null, manifest: null, note: `no metrics: this checkout has no ${spec ? `pipeline/src/stages/${stage}/metrics.ts` : `stage "${stage}"`}` };
  try {
    const artifact = readArtifact(file, stage, spec.schemaVersion, spec.dataSchema, { allowUnhashed: true });
    return { metrics: checkMetrics(stage, module.metrics(artifact.data as never)), manifest: artifact.manifest, note: null };
  } catch (err) {
    if (!(err instanceof ArtifactError)) throw err;
    const note = existsSync(file) ? "no metrics: its artifact does not match this checkout's schema of the stage" : `no metrics: ${err.message}`;
    return { metrics: null, manifest: null, note };
  }
}
