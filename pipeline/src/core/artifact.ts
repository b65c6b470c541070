/**
 * Artifacts: one JSON file per stage under cache/artifacts/<stage>/, holding
 * a schema version, a manifest (what produced it, and the hash of the results
 * themselves) and the stage's data. Written to a temporary file in the same
 * directory, every byte checked, and renamed into place, so a reader sees
 * the old artifact or the new one, never half of one; read back only if its
 * data still match the hash the stage recorded.
 */
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { z } from 'zod';
import { profiles } from './config.ts';
import { InputError } from './errors.ts';
import { canonicalJson, sha256 } from './hash.ts';

export const manifestSchema = z.strictObject({
  stage: z.string(),
  /** Hash of the validated config under the profile. */
  configHash: z.string(),
  /** Hash of the code the stage ran: its run module, the runner, and the project modules they import (core/hash.ts stageCode). */
  codeHash: z.string(),
  /** Identity of the data files read, by dataset name (content hashes). */
  data: z.record(z.string(), z.string()),
  profile: z.enum(profiles),
  backend: z.strictObject({ name: z.string(), detail: z.string() }),
  seeds: z.array(z.number()),
  git: z.strictObject({ commit: z.string(), dirty: z.boolean() }).nullable(),
  createdAt: z.string(),
  wallTimeSeconds: z.number(),
  versions: z.record(z.string(), z.string()),
  /** sha256 of the artifact's data (resultHash): a result edited or damaged after the stage wrote it no longer matches. Absent in artifacts of older versions. */
  dataHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface Artifact<D> {
  schemaVersion: number;
  manifest: Manifest;
  data: D;
}

/** The hash of a stage's results, as its manifest records it: sha256 of the data as canonical JSON. */
export function resultHash(data: unknown): string {
  return sha256(canonicalJson(data));
}

/** The disk refused a write (full, read-only, not allowed, a file in the way): nothing was replaced. */
export class StorageError extends InputError {}

/** What an errno code means for writing in `dir` (`file` the path written), or null for one this does not know. */
function why(code: string | undefined, dir: string, file: string): string | null {
  switch (code) {
    case 'ENOSPC':
      return `no space left on the disk holding ${dir}; free some space there`;
    case 'EDQUOT':
      return `the disk quota for ${dir} is used up`;
    case 'EROFS':
      return `${dir} is on a read-only file system`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in ${dir}`;
    case 'ENOTDIR':
      return `a file is in the way: a part of ${dir} is a file, not a directory`;
    case 'EEXIST':
      return `a file is in the way of the directory ${dir}`;
    case 'EISDIR':
      return `a directory is in the way of ${file}`;
    default:
      return null;
  }
}

function storageError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = why(code, dirname(file), file);
  return reason ? new StorageError(`cannot write ${file}: ${reason} (${code}). Nothing was replaced: the previous file, if any, is unchanged`) : err;
}

/**
 * Throws StorageError unless `dir` can be made and written: the nearest part
 * of it that exists must be a directory this process may write in. Creates
 * nothing, so a stage can check where its artifact goes before it trains.
 */
export function checkWritableDir(dir: string): void {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  let code: string | null = null;
  if (!statSync(existing).isDirectory()) code = 'ENOTDIR';
  else {
    try {
      accessSync(existing, constants.W_OK);
    } catch (err) {
      // EROFS on a read-only file system (even for root), EACCES without permission.
      code = (err as NodeJS.ErrnoException).code === 'EROFS' ? 'EROFS' : 'EACCES';
    }
  }
  if (code) throw new StorageError(`${dir} cannot hold files: ${why(code, dir, dir)} (${code})`);
}

/** Writes `text` to `file` atomically: a temp file in the same directory, every byte written and fsynced, then renamed over `file`. */
export function writeFileAtomic(file: string, text: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw storageError(err, file);
  }
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const bytes = Buffer.from(text, 'utf8');
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    // writeSync may write less than asked (a full disk among other reasons): loop, and never take a short write for done.
    for (let offset = 0; offset < bytes.length; ) {
      const written = writeSync(fd, bytes, offset, bytes.length - offset);
      if (written <= 0) throw Object.assign(new Error(`short write: ${bytes.length - offset} bytes left`), { code: 'ENOSPC' });
      offset += written;
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    const size = statSync(tmp).size;
    if (size !== bytes.length) throw Object.assign(new Error(`wrote ${size} of ${bytes.length} bytes`), { code: 'ENOSPC' });
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Closing after a failed write can fail too; the temp file is removed either way.
      }
    }
    rmSync(tmp, { force: true });
    throw storageError(err, file);
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

/** A missing, corrupt, tampered or stale artifact: the fix is to run the stage it names. */
export class ArtifactError extends InputError {}

/** The command that recomputes a stage's artifact for a profile; with `force`, also past a damaged copy in turbo's cache. */
export function recomputeCommand(stage: string, profile: string | undefined, force = false): string {
  // HW1_PROFILE unset means full (and HW1_PROFILE=full would be another cache key).
  const env = profile && profile !== 'full' ? `HW1_PROFILE=${profile} ` : '';
  return force ? `${env}npx turbo run stage:${stage} --force` : `${env}npx turbo run report`;
}

export interface ReadOptions {
  /** Accept an artifact without a result hash (written by an older version, e.g. the base of `npm run diff`); one that has a hash is checked all the same. */
  allowUnhashed?: boolean;
}

/** Reads and validates an artifact, its data checked against its own result hash; every failure names the file and the command that fixes it. */
export function readArtifact<S extends z.ZodType>(
  file: string,
  stage: string,
  schemaVersion: number,
  dataSchema: S,
  options: ReadOptions = {},
): Artifact<z.output<S>> {
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
  const { manifest } = envelope.data;
  if (envelope.data.schemaVersion !== schemaVersion) {
    throw new ArtifactError(
      `stale artifact for stage "${stage}" (${file}): schema version ${envelope.data.schemaVersion}, expected ${schemaVersion}; ${rerun}`,
    );
  }
  if (manifest.dataHash === undefined) {
    if (!options.allowUnhashed) {
      throw new ArtifactError(
        `unverifiable artifact for stage "${stage}" (${file}): its manifest has no result hash (an older version of the pipeline wrote it); run \`${recomputeCommand(stage, manifest.profile)}\``,
      );
    }
  } else {
    const actual = resultHash(envelope.data.data);
    if (actual !== manifest.dataHash) {
      throw new ArtifactError(
        `tampered or damaged artifact for stage "${stage}" (${file}): its data no longer match the result hash the stage recorded ` +
          `(${actual.slice(0, 12)}… ≠ ${manifest.dataHash.slice(0, 12)}…), so they were changed after it wrote them. ` +
          `Recompute it: \`${recomputeCommand(stage, manifest.profile, true)}\` (--force, or turbo may restore the same copy from its cache)`,
      );
    }
  }
  const data = dataSchema.safeParse(envelope.data.data);
  if (!data.success) {
    throw new ArtifactError(`invalid artifact data for stage "${stage}" (${file}): ${z.prettifyError(data.error)}; ${rerun}`);
  }
  return { schemaVersion, manifest, data: data.data };
}
