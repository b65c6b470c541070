/**
 * Artifacts: one JSON file per stage under cache/artifacts/<stage>/, holding
 * a schema version, a manifest (what produced it) and the stage's data.
 * Written to a temporary file in the same directory and renamed into place,
 * so a reader sees the old artifact or the new one, never half of one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { InputError } from './errors.ts';

export const manifestSchema = z.strictObject({
  stage: z.string(),
  /** Hash of the validated config under the profile. */
  configHash: z.string(),
  /** Hash of the code the stage ran: its run module, the runner, and the project modules they import (core/hash.ts stageCode). */
  codeHash: z.string(),
  /** Identity of the data files read, by dataset name (content hashes). */
  data: z.record(z.string(), z.string()),
  profile: z.enum(['full', 'quick']),
  backend: z.strictObject({ name: z.string(), detail: z.string() }),
  seeds: z.array(z.number()),
  git: z.strictObject({ commit: z.string(), dirty: z.boolean() }).nullable(),
  createdAt: z.string(),
  wallTimeSeconds: z.number(),
  versions: z.record(z.string(), z.string()),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface Artifact<D> {
  schemaVersion: number;
  manifest: Manifest;
  data: D;
}

/** Writes `text` to `file` atomically: temp file in the same directory, fsync, rename. */
export function writeFileAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Removes temp files that a killed writer left beside `file` (they are never read). */
function removeLeftovers(file: string): void {
  const base = basename(file);
  for (const name of readdirSync(dirname(file))) {
    if (name.startsWith(`${base}.`) && name.endsWith('.tmp')) rmSync(join(dirname(file), name), { force: true });
  }
}

export function writeArtifact<D>(file: string, artifact: Artifact<D>): void {
  // Serialise first: a value JSON cannot hold must fail before anything touches the disk.
  const text = JSON.stringify(artifact, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`artifact ${file}: non-finite number ${v} cannot be stored`);
    return v;
  });
  writeFileAtomic(file, `${text}\n`);
  removeLeftovers(file);
}

/** A missing, corrupt or stale artifact: the fix is to run the stage it names. */
export class ArtifactError extends InputError {}

/** Reads and validates an artifact; every failure names the file and the stage to run. */
export function readArtifact<S extends z.ZodType>(file: string, stage: string, schemaVersion: number, dataSchema: S): Artifact<z.output<S>> {
  const rerun = `run \`npx turbo run report\` (or \`npm run stage -- ${stage}\`)`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ArtifactError(`missing artifact for stage "${stage}": ${file} does not exist; ${rerun}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ArtifactError(`corrupt artifact for stage "${stage}": ${file} is not valid JSON (${(err as Error).message}); ${rerun}`);
  }
  const envelope = z.object({ schemaVersion: z.number(), manifest: manifestSchema, data: z.unknown() }).safeParse(json);
  if (!envelope.success) {
    throw new ArtifactError(`invalid artifact for stage "${stage}" (${file}): ${z.prettifyError(envelope.error)}; ${rerun}`);
  }
  if (envelope.data.schemaVersion !== schemaVersion) {
    throw new ArtifactError(
      `stale artifact for stage "${stage}" (${file}): schema version ${envelope.data.schemaVersion}, expected ${schemaVersion}; ${rerun}`,
    );
  }
  const data = dataSchema.safeParse(envelope.data.data);
  if (!data.success) {
    throw new ArtifactError(`invalid artifact data for stage "${stage}" (${file}): ${z.prettifyError(data.error)}; ${rerun}`);
  }
  return { schemaVersion, manifest: envelope.data.manifest, data: data.data };
}
