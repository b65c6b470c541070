/**
 * Artifacts enter the site here: read, validated against the stage's schema
 * and checked against the current config, code and profile (once per build),
 * by stage name from the pipeline's registry. A missing or stale artifact
 * fails the build with the stage to run.
 *
 * Under `npm run dev` (./live.ts) an artifact is checked again whenever its
 * file, its config or the data generation changes, and a stale one does not
 * stop the page: it shows the last artifact that could be read, and the
 * page's banner (staleStages) says why it is stale and what updates it.
 */
import { statSync } from 'node:fs';
import { InputError } from '@hw1/pipeline/errors';
import { configFile } from '@hw1/pipeline/paths';
import {
  type Artifact,
  ArtifactError,
  activeProfile,
  artifactPath,
  checkArtifact,
  loadCurrentArtifact,
  type Manifest,
  type StageData,
  type StageName,
  type StageSpec,
  type StaleReason,
  specs,
  stageList,
} from '@hw1/pipeline/stages';
import { liveGeneration } from './live.ts';

const loaded = new Map<string, Artifact<unknown>>();

/** A stage's current artifact (compare mode reaches the base through sidesOf in ./compare.ts). */
export function artifact<N extends StageName>(name: N): Artifact<StageData<N>> {
  if (liveGeneration() !== undefined) {
    const { artifact: a, stale } = liveCheck(name);
    if (!a) throw new ArtifactError(stale!.message);
    return a as Artifact<StageData<N>>;
  }
  if (!loaded.has(name)) loaded.set(name, loadCurrentArtifact(specs[name] as StageSpec));
  return loaded.get(name) as Artifact<StageData<N>>;
}

/** A stage's data: the current artifact's (the base's, in a compare build, is ./compare.ts baseDataOf). */
export const dataOf = <N extends StageName>(name: N): StageData<N> => artifact(name).data;

/** Every stage's manifest, in report order, for the front page (under `npm run dev`, of the stages that can be read). */
export function allManifests(): Manifest[] {
  const names = stageList.map((s) => s.name as StageName);
  return (liveGeneration() === undefined ? names : names.filter(readable)).map((n) => artifact(n).manifest);
}

// ---- npm run dev ----

export interface Staleness {
  stage: string;
  /** 'invalid-config': the config cannot be read, so nothing can be checked against it. */
  reason: StaleReason | 'invalid-config';
  /** The pipeline's message: what changed and the command it suggests. */
  message: string;
  /** The profile this server shows, and the one the artifact shown was computed with (null: nothing to show). */
  profile: string;
  shownProfile: string | null;
}

interface LiveCheck {
  key: string;
  artifact: Artifact<unknown> | null;
  stale: Staleness | null;
}

const checked = new Map<string, LiveCheck>();
/** The last artifact of each stage that could be read, shown when the current file cannot be. */
const lastRead = new Map<string, Artifact<unknown>>();

const fileKey = (file: string): string => {
  const s = statSync(file, { throwIfNoEntry: false });
  return s ? `${s.mtimeMs}:${s.size}` : '-';
};

function liveCheck(name: string): LiveCheck {
  const profile = activeProfile();
  // The artifact's and the config's own stamps besides the generation: a request right after a write sees it, even before the watcher tells.
  const key = `${liveGeneration()}|${profile}|${fileKey(artifactPath(name))}|${fileKey(configFile(name))}`;
  const cached = checked.get(name);
  if (cached?.key === key) return cached;
  let result: { artifact: Artifact<unknown> | null; reason: Staleness['reason'] | null; message: string };
  try {
    const { artifact: a, stale } = checkArtifact(specs[name as StageName] as StageSpec, { profile });
    result = { artifact: a, reason: stale?.reason ?? null, message: stale?.message ?? '' };
  } catch (err) {
    // A config being edited may not parse or validate for a while: say so, and keep showing what was there.
    if (!(err instanceof InputError)) throw err;
    result = { artifact: null, reason: 'invalid-config', message: err.message };
  }
  if (result.artifact) lastRead.set(name, result.artifact);
  const shown = result.artifact ?? lastRead.get(name) ?? null;
  const stale = result.reason ? { stage: name, reason: result.reason, message: result.message, profile, shownProfile: shown?.manifest.profile ?? null } : null;
  const entry = { key, artifact: shown, stale };
  checked.set(name, entry);
  return entry;
}

/** Whether a stage has an artifact to show: always in a build (where a missing one fails it), under `npm run dev` only if one could be read. */
export const readable = (name: string): boolean => liveGeneration() === undefined || liveCheck(name).artifact !== null;

/** The stages among `names` whose artifact is not current, for the banner of `npm run dev`; none in a build (which refuses them). */
export function staleStages(names: readonly string[]): Staleness[] {
  if (liveGeneration() === undefined) return [];
  return names.map((n) => liveCheck(n).stale).filter((s): s is Staleness => s !== null);
}
