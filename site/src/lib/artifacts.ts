/**
 * Artifacts enter the site here: read, validated against the stage's schema
 * and checked against the current config, code and profile. A missing or
 * stale artifact fails the build with the stage to run.
 */
import { loadCurrentArtifact } from '@hw1/pipeline/current-artifact.ts';
import { simulateFunction } from '@hw1/pipeline/stages/simulate-function.schema.ts';
import type { Artifact } from '@hw1/pipeline/artifact.ts';
import type { SimulateFunctionData } from '@hw1/pipeline/stages/simulate-function.schema.ts';
import { trainOnTasks, type TrainOnTasksData } from '@hw1/pipeline/stages/train-on-tasks.schema.ts';
import { minimalRatioArtifact } from './minimal-ratio.ts';
import { optimizationProcessArtifact } from './optimization-process.ts';

const cache = new Map<string, unknown>();

function once<T>(key: string, load: () => T): T {
  if (!cache.has(key)) cache.set(key, load());
  return cache.get(key) as T;
}

export function simulateFunctionArtifact(): Artifact<SimulateFunctionData> {
  return once(simulateFunction.name, () => loadCurrentArtifact(simulateFunction));
}

export function trainOnTasksArtifact(): Artifact<TrainOnTasksData> {
  return once(trainOnTasks.name, () => loadCurrentArtifact(trainOnTasks));
}

/** Manifests of every stage, for the front page. */
export function allManifests() {
  return [simulateFunctionArtifact().manifest, trainOnTasksArtifact().manifest, optimizationProcessArtifact().manifest, minimalRatioArtifact().manifest];
}
