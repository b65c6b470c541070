/**
 * Artifacts enter the site here: read, validated against the stage's schema
 * and checked against the current config, code and profile (once per build).
 * A missing or stale artifact fails the build with the stage to run.
 */
import type { Artifact } from '@hw1/pipeline/artifact.ts';
import { loadCurrentArtifact } from '@hw1/pipeline/current-artifact.ts';
import type { StageSpec } from '@hw1/pipeline/stage.ts';
import { flatnessInterpolation, type InterpolationData } from '@hw1/pipeline/stages/flatness-interpolation.schema.ts';
import { flatnessSensitivity, type SensitivityData } from '@hw1/pipeline/stages/flatness-sensitivity.schema.ts';
import { minimalRatioStage, type MinimalRatioData } from '@hw1/pipeline/stages/minimal-ratio.schema.ts';
import { optimizationProcess, type OptimizationProcessData } from '@hw1/pipeline/stages/optimization-process.schema.ts';
import { parametersVsGeneralization, type ParametersData } from '@hw1/pipeline/stages/parameters-vs-generalization.schema.ts';
import { randomLabels, type RandomLabelsData } from '@hw1/pipeline/stages/random-labels.schema.ts';
import { simulateFunction, type SimulateFunctionData } from '@hw1/pipeline/stages/simulate-function.schema.ts';
import { trainOnTasks, type TrainOnTasksData } from '@hw1/pipeline/stages/train-on-tasks.schema.ts';
import type { z } from 'zod';

const loaded = new Map<string, Artifact<unknown>>();

/** One stage's current artifact (compare mode reaches it through sidesOf in ./compare.ts). */
export function artifactOf<D extends z.ZodType>(spec: StageSpec<z.ZodType, D>): Artifact<z.output<D>> {
  if (!loaded.has(spec.name)) loaded.set(spec.name, loadCurrentArtifact(spec));
  return loaded.get(spec.name) as Artifact<z.output<D>>;
}

export const simulateFunctionArtifact = (): Artifact<SimulateFunctionData> => artifactOf(simulateFunction);
export const trainOnTasksArtifact = (): Artifact<TrainOnTasksData> => artifactOf(trainOnTasks);
export const optimizationProcessArtifact = (): Artifact<OptimizationProcessData> => artifactOf(optimizationProcess);
export const minimalRatioArtifact = (): Artifact<MinimalRatioData> => artifactOf(minimalRatioStage);
export const randomLabelsArtifact = (): Artifact<RandomLabelsData> => artifactOf(randomLabels);
export const parametersArtifact = (): Artifact<ParametersData> => artifactOf(parametersVsGeneralization);
export const interpolationArtifact = (): Artifact<InterpolationData> => artifactOf(flatnessInterpolation);
export const sensitivityArtifact = (): Artifact<SensitivityData> => artifactOf(flatnessSensitivity);

/** Manifests of every stage, for the front page. */
export function allManifests() {
  return [
    simulateFunctionArtifact,
    trainOnTasksArtifact,
    optimizationProcessArtifact,
    minimalRatioArtifact,
    randomLabelsArtifact,
    parametersArtifact,
    interpolationArtifact,
    sensitivityArtifact,
  ].map((a) => a().manifest);
}
