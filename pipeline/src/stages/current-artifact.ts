/**
 * Whether an artifact is current: computed from today's config, code, profile
 * and data. The site reads artifacts only through here.
 */
import type { z } from 'zod';
import { type Artifact, ArtifactError, readArtifact, recomputeCommand } from '../core/artifact.ts';
import { activeProfile, loadStageConfig, type Profile } from '../core/config.ts';
import { stageCodeHash } from '../core/hash.ts';
import { artifactPath } from '../core/paths.ts';
import type { StageSpec } from '../core/stage.ts';
import { DatasetMissingError, type DatasetName, datasetIdentity } from '../data/datasets.ts';

function currentDatasetIdentity(name: DatasetName): string {
  try {
    return datasetIdentity(name);
  } catch (err) {
    if (err instanceof DatasetMissingError) return 'absent';
    throw err;
  }
}

/**
 * Reads a stage's artifact for the report and checks that it was computed from
 * the current config, code and profile. Anything else is an error that says
 * what changed and how to recompute.
 */
export function loadCurrentArtifact<C extends z.ZodType, D extends z.ZodType>(
  spec: StageSpec<C, D>,
  options: { profile?: Profile; file?: string } = {},
): Artifact<z.output<D>> {
  const profile = options.profile ?? activeProfile();
  const file = options.file ?? artifactPath(spec.name);
  const artifact = readArtifact(file, spec.name, spec.schemaVersion, spec.dataSchema);
  const { manifest } = artifact;
  const rerun = `run \`${recomputeCommand(spec.name, profile)}\``;
  if (manifest.profile !== profile) {
    throw new ArtifactError(
      `stale artifact for stage "${spec.name}": computed with profile "${manifest.profile}", the report is built with "${profile}"; ${rerun}`,
    );
  }
  const config = loadStageConfig(spec, profile);
  if (manifest.configHash !== config.hash) {
    throw new ArtifactError(`stale artifact for stage "${spec.name}": ${config.file} changed since it was computed; ${rerun}`);
  }
  if (manifest.codeHash !== stageCodeHash(spec.name)) {
    throw new ArtifactError(`stale artifact for stage "${spec.name}": its pipeline code changed since it was computed; ${rerun}`);
  }
  for (const [name, identity] of Object.entries(manifest.data)) {
    const now = currentDatasetIdentity(name as DatasetName);
    if (now !== identity) {
      const what = identity === 'absent' ? 'has been installed' : now === 'absent' ? 'is no longer installed' : 'has changed';
      throw new ArtifactError(`stale artifact for stage "${spec.name}": dataset ${name} ${what} since it was computed; ${rerun}`);
    }
  }
  return artifact;
}
