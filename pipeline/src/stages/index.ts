/**
 * What the site reads of the pipeline (`@hw1/pipeline/stages`): every stage's
 * spec from the registry, and its artifact, checked to be current. No
 * TensorFlow.js is reachable from here (a test checks it).
 */
export type { Artifact, Manifest } from '../core/artifact.ts';
export { ArtifactError, readArtifact } from '../core/artifact.ts';
export { activeProfile } from '../core/config.ts';
export { artifactPath } from '../core/paths.ts';
export type { StageSpec } from '../core/stage.ts';
export { datasetAvailable } from '../data/datasets.ts';
export { type ArtifactCheck, checkArtifact, loadCurrentArtifact, type StaleReason } from './current-artifact.ts';
export { type StageData, type StageName, specs, stageList } from './registry.ts';
