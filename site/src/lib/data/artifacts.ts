/**
 * Artifacts enter the site here: read, validated against the stage's schema
 * and checked against the current config, code and profile (once per build),
 * by stage name from the pipeline's registry. A missing or stale artifact
 * fails the build with the stage to run.
 */
import { type Artifact, loadCurrentArtifact, type Manifest, type StageData, type StageName, type StageSpec, specs, stageList } from '@hw1/pipeline/stages';

const loaded = new Map<string, Artifact<unknown>>();

/** A stage's current artifact (compare mode reaches the base through sidesOf in ./compare.ts). */
export function artifact<N extends StageName>(name: N): Artifact<StageData<N>> {
  if (!loaded.has(name)) loaded.set(name, loadCurrentArtifact(specs[name] as StageSpec));
  return loaded.get(name) as Artifact<StageData<N>>;
}

/** A stage's data. */
export const dataOf = <N extends StageName>(name: N): StageData<N> => artifact(name).data;

/** Every stage's manifest, in report order, for the front page. */
export function allManifests(): Manifest[] {
  return stageList.map((s) => artifact(s.name as StageName).manifest);
}
