/**
 * Whether an artifact is current: computed from today's config, code, profile
 * and data. The site reads artifacts only through here.
 */
import { existsSync } from 'node:fs';
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

/** Why an artifact is not current: missing, unreadable (corrupt, tampered, another schema), or computed from other inputs. */
export type StaleReason = 'missing' | 'unreadable' | 'profile' | 'config' | 'code' | 'data';

export interface ArtifactCheck<D> {
  /** The artifact as read, current or not; null when it cannot be read at all. */
  artifact: Artifact<D> | null;
  /** Why it is not current, with the message that names the stage and the command; null when it is current. */
  stale: { reason: StaleReason; message: string } | null;
}

/**
 * Reads a stage's artifact and says whether it was computed from the current
 * config, code, profile and data, and if not, why. The report build refuses a
 * stale one (loadCurrentArtifact); `npm run dev` shows it with a banner.
 */
export function checkArtifact<C extends z.ZodType, D extends z.ZodType>(
  spec: StageSpec<C, D>,
  options: { profile?: Profile; file?: string } = {},
): ArtifactCheck<z.output<D>> {
  const profile = options.profile ?? activeProfile();
  const file = options.file ?? artifactPath(spec.name);
  let artifact: Artifact<z.output<D>>;
  try {
    artifact = readArtifact(file, spec.name, spec.schemaVersion, spec.dataSchema);
  } catch (err) {
    if (!(err instanceof ArtifactError)) throw err;
    return { artifact: null, stale: { reason: existsSync(file) ? 'unreadable' : 'missing', message: err.message } };
  }
  const stale = (reason: StaleReason, message: string): ArtifactCheck<z.output<D>> => ({ artifact, stale: { reason, message } });
  const { manifest } = artifact;
  const rerun = `run \`${recomputeCommand(spec.name, profile)}\``;
  if (manifest.profile !== profile) {
    return stale(
      'profile',
      `stale artifact for stage "${spec.name}": computed with profile "${manifest.profile}", the report is built with "${profile}"; ${rerun}`,
    );
  }
  const config = loadStageConfig(spec, profile);
  if (manifest.configHash !== config.hash) {
    return stale('config', `stale artifact for stage "${spec.name}": ${config.file} changed since it was computed; ${rerun}`);
  }
  if (manifest.codeHash !== stageCodeHash(spec.name)) {
    return stale('code', `stale artifact for stage "${spec.name}": its pipeline code changed since it was computed; ${rerun}`);
  }
  for (const [name, identity] of Object.entries(manifest.data)) {
    const now = currentDatasetIdentity(name as DatasetName);
    if (now !== identity) {
      const what = identity === 'absent' ? 'has been installed' : now === 'absent' ? 'is no longer installed' : 'has changed';
      return stale('data', `stale artifact for stage "${spec.name}": dataset ${name} ${what} since it was computed; ${rerun}`);
    }
  }
  return { artifact, stale: null };
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
  const { artifact, stale } = checkArtifact(spec, options);
  if (stale) throw new ArtifactError(stale.message);
  return artifact!;
}
