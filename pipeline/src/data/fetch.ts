/**
 * `npm run datasets -- fetch`: a dataset from its official address (or a
 * mirror, or a copy the user has), verified, then installed whole or not at
 * all. The steps, each of which stops everything when it fails:
 *
 * 1. A copy already present anywhere the report reads from, that verifies,
 *    is kept: nothing is downloaded (`--force` fetches anyway).
 * 2. Each official file is downloaded into `<root>/.downloads/<name>.part`
 *    (resumed on the next try after an interruption), or taken from `--from`.
 * 3. It is verified: its SHA-256 is the official archive's, or, for a
 *    recompressed copy, the SHA-256 of its gunzipped content is the pinned one
 *    (data/sources.ts). A file that fails is deleted, so no later try resumes it.
 * 4. It is unpacked into a temporary folder beside the destination (a tar is
 *    checked entry by entry first, data/tar.ts), and read by the project's own
 *    readers as a stage would read it (magic, sizes, counts, labels).
 * 5. It is renamed into place in one step; an older copy there is swapped
 *    out only then. A `SOURCE.json` beside the files says where they came
 *    from and how they verified; `cache/datasets/<name>` is pointed at them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { InputError } from '../core/errors.ts';
import { bytes as byteSize, duration } from '../core/format.ts';
import { sha256 } from '../core/hash.ts';
import { acquireLock } from '../core/lock.ts';
import { DatasetMissingError, dataRoot, locateDataset, validateDatasetDir } from './datasets.ts';
import { DownloadError, type DownloadOptions, download } from './download.ts';
import type { ArchiveFile, DatasetSource } from './sources.ts';
import { unpackTarGz } from './tar.ts';

/** A file that is not the official one (nor its content): named, with what was expected and what was found. */
export class VerifyError extends InputError {}

/** What `SOURCE.json` records beside an installed copy. */
export const sourceRecordSchema = z.strictObject({
  dataset: z.string(),
  from: z.string(),
  verified: z.enum(['archive', 'content']),
  installed: z.string(),
  files: z.record(z.string(), z.string()),
});
export type SourceRecord = z.infer<typeof sourceRecordSchema>;

export const SOURCE_FILE = 'SOURCE.json';

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces the official base address: files come from `<mirror>/<official name>`. */
  mirror?: string;
  /** An archive or folder the user has, used instead of downloading. */
  from?: string;
  /** Fetch even when a verified copy is present. */
  force?: boolean;
  log: (line: string) => void;
  /** Download settings (timeouts, retries), and the progress callback. */
  download?: DownloadOptions;
  /** How a copy is read and validated before it is installed; the stages' own readers by default. */
  validate?: (dir: string) => void;
  /** Where the dataset is looked for first to tell whether it is present; locateDataset by default. */
  present?: () => string | null;
}

export interface FetchResult {
  dataset: string;
  dir: string;
  /** `present`: nothing was done. */
  outcome: 'installed' | 'present';
  verified: SourceRecord['verified'] | 'pinned content' | null;
}

const shaOf = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * How `bytes` (of the official file `file`) verify: `archive` when they are
 * the official archive, `content` when they gunzip to the official content;
 * throws VerifyError otherwise, naming both checks.
 */
export function verifyFile(file: ArchiveFile, bytes: Buffer, shownAs: string): 'archive' | 'content' {
  const got = shaOf(bytes);
  if (got === file.sha256 && bytes.length === file.bytes) return 'archive';
  let content: string | null = null;
  let why = '';
  if (file.content) {
    try {
      const inflated = gunzipSync(bytes, { maxOutputLength: file.content.bytes + 1 });
      content = shaOf(inflated);
      if (content === file.content.sha256 && inflated.length === file.content.bytes) return 'content';
      why = `; gunzipped, ${inflated.length.toLocaleString('en-US')} bytes with SHA-256 ${content}, expected ${file.content.bytes.toLocaleString('en-US')} bytes with ${file.content.sha256}`;
    } catch (err) {
      why =
        (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
          ? `; gunzipped, more than the ${file.content.bytes.toLocaleString('en-US')} bytes of the official content`
          : `; not a complete gzip stream (${(err as Error).message})`;
    }
  }
  throw new VerifyError(
    `${shownAs} is not the official ${file.name}: expected ${file.bytes.toLocaleString('en-US')} bytes with SHA-256 ${file.sha256}, ` +
      `got ${bytes.length.toLocaleString('en-US')} bytes with ${got}${why}`,
  );
}

/** The copy installed at `dir` by fetch, if its files are still the ones it recorded. */
export function readSourceRecord(dir: string): SourceRecord | null {
  try {
    const record = sourceRecordSchema.parse(JSON.parse(readFileSync(join(dir, SOURCE_FILE), 'utf8')));
    for (const [name, hash] of Object.entries(record.files)) if (sha256(readFileSync(join(dir, name))) !== hash) return null;
    return record;
  } catch {
    return null;
  }
}

/**
 * Whether the copy in `dir` verifies: recorded by fetch and unchanged, or
 * (for a dataset of gzipped files) each file matches its official archive or
 * content. Null when it cannot be told (no record, nothing pinned).
 */
export function verifyInstalled(source: DatasetSource, dir: string): FetchResult['verified'] {
  const record = readSourceRecord(dir);
  if (record) return record.verified;
  if (source.kind !== 'files') return null;
  try {
    for (const file of source.files) {
      const path = [join(dir, file.name), join(dir, file.name.replace(/\.gz$/, ''))].find((p) => existsSync(p));
      if (!path) return null;
      const bytes = readFileSync(path);
      // An uncompressed copy is its content.
      if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) {
        if (!file.content || shaOf(bytes) !== file.content.sha256) return null;
      } else verifyFile(file, bytes, path);
    }
    return 'pinned content';
  } catch {
    return null;
  }
}

/** The official file `file` taken from `from` (the file itself, or a folder holding it by its official name). */
function fromLocal(from: string, file: ArchiveFile, single: boolean): string {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(from);
  } catch {
    throw new InputError(`--from ${from}: no such file or folder`);
  }
  if (st.isDirectory()) {
    const path = join(from, file.name);
    if (!existsSync(path)) throw new InputError(`--from ${from}: no ${file.name} in that folder`);
    return path;
  }
  if (!single) throw new InputError(`--from ${from}: this dataset has several files; name the folder that holds them`);
  return from;
}

/** Progress of one download on a terminal (rewritten in place) or in a log (a line at the start and at the end). */
export function progressPrinter(
  label: string,
  tty: boolean,
  write: (s: string) => void,
): { update: (done: number, total: number | null) => void; end: () => void } {
  const t0 = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = performance.now();
      if (!tty) {
        if (!shown) write(`${label}: downloading${total ? ` ${byteSize(total)}` : ''}\n`);
        shown = true;
        return;
      }
      if (now - last < 200 && done !== total) return;
      last = now;
      const rate = done / Math.max((now - t0) / 1000, 1e-3);
      const eta = total && rate > 0 ? ` · ETA ${duration((total - done) / rate)}` : '';
      write(`\r${label}: ${byteSize(done)}${total ? ` of ${byteSize(total)}` : ''} · ${byteSize(rate)}/s${eta}   `);
      shown = true;
    },
    end() {
      if (tty && shown) write('\n');
    },
  };
}

/** Fetches, verifies and installs one dataset (see the top of this file). */
export async function fetchDataset(source: DatasetSource, options: FetchOptions): Promise<FetchResult> {
  const env = options.env ?? process.env;
  const root = dataRoot(env);
  if (!root) throw new InputError('nowhere to install datasets: set HW1_DATA_DIR (or HOME, for ~/.cache/hw1-report/datasets)');
  const dest = join(root.dir, source.folder);
  const name = source.cliName;

  // 1. Present and verified: nothing to do.
  if (!options.force) {
    let present: string | null;
    try {
      present = options.present ? options.present() : dirname(locateDataset(source.dataset, env).files[0]!);
    } catch (err) {
      if (!(err instanceof DatasetMissingError)) throw err;
      present = null;
    }
    if (present) {
      const verified = verifyInstalled(source, present);
      if (verified) {
        const kept = options.from ? `nothing installed from ${options.from} (--force installs it anyway)` : 'nothing downloaded';
        options.log(`${name}: present in ${present} (verified: ${verified === 'archive' ? 'the official files' : 'the official content'}); ${kept}`);
        return { dataset: name, dir: present, outcome: 'present', verified };
      }
      if (present !== dest) {
        options.log(
          `${name}: present in ${present}, but not verifiable against the official checksums; nothing downloaded (--force fetches a verified copy into ${dest})`,
        );
        return { dataset: name, dir: present, outcome: 'present', verified: null };
      }
    }
  }
  if (existsSync(dest) && readdirSync(dest).length > 0 && !readSourceRecord(dest) && verifyInstalled(source, dest) === null && !options.force) {
    throw new InputError(`${dest} holds files that are not a verified copy of ${name}; move them away, or pass --force to replace them`);
  }

  mkdirSync(root.dir, { recursive: true });
  const lock = acquireLock(join(root.dir, `.fetch-${source.folder}.lock`), `a fetch of ${name} into ${root.dir}`, '');
  const downloads = join(root.dir, '.downloads');
  const tmp = join(root.dir, `.${source.folder}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // 2–3. Every file, downloaded or taken from --from, and verified.
    const got: { file: ArchiveFile; path: string; verified: 'archive' | 'content'; from: string }[] = [];
    for (const file of source.files) {
      let path: string;
      let from: string;
      if (options.from) {
        path = fromLocal(options.from, file, source.files.length === 1);
        from = path;
      } else {
        const base = options.mirror ?? env.HW1_DATASETS_MIRROR ?? source.base;
        from = `${base.endsWith('/') ? base : `${base}/`}${file.name}`;
        mkdirSync(downloads, { recursive: true });
        path = join(downloads, `${file.name}.part`);
        const resumed = existsSync(path) ? statSync(path).size : 0;
        options.log(`${name}: ${from}${resumed ? ` (resuming after ${resumed.toLocaleString('en-US')} bytes)` : ''}`);
        const printer = progressPrinter(`${name}: ${file.name}`, Boolean(process.stderr.isTTY) && !env.CI, (s) => process.stderr.write(s));
        try {
          await download(from, path, {
            ...options.download,
            progress: (done, total) => {
              printer.update(done, total);
              options.download?.progress?.(done, total);
            },
            retrying: (why, n, wait) => options.log(`${name}: ${why}; trying again in ${duration(wait / 1000)} (attempt ${n + 1})`),
          });
        } catch (err) {
          printer.end();
          if (err instanceof DownloadError && err.status === undefined && !options.mirror) {
            throw new InputError(
              `${err.message}. Offline? Fetch from a mirror with --mirror <url> (or HW1_DATASETS_MIRROR), or install a copy you have with --from <path>`,
            );
          }
          throw err;
        }
        printer.end();
      }
      const bytes = readFileSync(path);
      let verified: 'archive' | 'content';
      try {
        verified = verifyFile(file, bytes, options.from ? path : `${from} (downloaded)`);
      } catch (err) {
        // A bad download is not resumed by the next try.
        if (!options.from) rmSync(path, { force: true });
        throw err;
      }
      got.push({ file, path, verified, from });
    }

    // 4. Unpacked beside the destination, and read as a stage reads it.
    mkdirSync(tmp, { recursive: true });
    let unpacked: string;
    if (source.kind === 'tar') {
      const [{ file, path }] = got as [(typeof got)[number]];
      unpackTarGz(readFileSync(path), options.from ? path : file.name, tmp);
      unpacked = join(tmp, source.folder);
      if (!existsSync(unpacked)) throw new VerifyError(`${file.name} holds no folder ${source.folder}/`);
    } else {
      unpacked = join(tmp, source.folder);
      mkdirSync(unpacked);
      for (const { file, path } of got) copyFileSync(path, join(unpacked, file.name));
    }
    (options.validate ?? ((dir: string) => validateDatasetDir(source.dataset, dir)))(unpacked);
    const files = Object.fromEntries(
      readdirSync(unpacked)
        .filter((f) => f !== SOURCE_FILE && statSync(join(unpacked, f)).isFile())
        .sort()
        .map((f) => [f, sha256(readFileSync(join(unpacked, f)))]),
    );
    const record: SourceRecord = {
      dataset: name,
      from: got.length === 1 ? got[0]!.from : (options.from ?? got.map((g) => g.from).join(', ')),
      verified: got.every((g) => g.verified === 'archive') ? 'archive' : 'content',
      installed: new Date().toISOString(),
      files,
    };
    writeFileSync(join(unpacked, SOURCE_FILE), `${JSON.stringify(record, null, 2)}\n`);

    // 5. One rename into place; an older copy is moved out only now, and removed after.
    const old = `${dest}.old-${process.pid}`;
    if (existsSync(dest)) renameSync(dest, old);
    try {
      renameSync(unpacked, dest);
    } catch (err) {
      if (existsSync(old)) renameSync(old, dest);
      throw err;
    }
    rmSync(old, { recursive: true, force: true });
    if (!options.from) {
      for (const { path } of got) rmSync(path, { force: true });
    }
    options.log(
      `${name}: installed in ${dest} (verified: ${record.verified === 'archive' ? 'the official files, by their SHA-256' : 'the official content, by the SHA-256 of the gunzipped files'})`,
    );
    return { dataset: name, dir: dest, outcome: 'installed', verified: record.verified };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT')
      throw new InputError(`no space left on the disk holding ${root.dir}: ${name} was not installed, and nothing half-written is left`);
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    // The downloads folder goes once nothing is left to resume (after an install, or a failure that kept no part).
    if (existsSync(downloads) && readdirSync(downloads).length === 0) rmSync(downloads, { recursive: true, force: true });
    lock.release();
  }
}
