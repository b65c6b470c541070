/**
 * The IDX format of MNIST and Fashion-MNIST: a 4-byte magic number (two zero
 * bytes, a type byte, a dimension count), one big-endian uint32 per
 * dimension, then the items. Only the two kinds those datasets use are read:
 * uint8 images (magic 0x00000803, count × height × width) and uint8 labels
 * (magic 0x00000801, count). Files may be gzipped; that is detected from the
 * content, not the name. Every failure names the file, what was expected and
 * what was found.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../core/errors.ts';

export class DatasetError extends InputError {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.file = file;
  }
}

// A plain Uint8Array view (not a Buffer), so callers and tests see one type.
const plain = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** The most a dataset file may inflate to when nothing narrower is expected (the largest file read, CIFAR-10's 5 training batches, is 150 MB). */
export const MAX_INFLATED_BYTES = 512 * 2 ** 20;

/**
 * The bytes of `file`, gunzipped when it starts with the gzip magic bytes
 * 1f 8b. Inflating stops past `maxBytes` (the size the caller expects), so a
 * damaged or hostile file (a gzip bomb) costs no more memory than a good one.
 */
export function readMaybeGzipped(file: string, maxBytes = MAX_INFLATED_BYTES): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new DatasetError(file, `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return plain(raw);
  try {
    return plain(gunzipSync(raw, { maxOutputLength: maxBytes }));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DatasetError(
        file,
        `expected at most ${maxBytes.toLocaleString('en-US')} bytes once gunzipped, found more (stopped there; not this dataset's file, or a gzip bomb)`,
      );
    }
    throw new DatasetError(file, `expected a complete gzip stream, found a damaged one (${(err as Error).message}; file truncated or corrupt)`);
  }
}

const IDX_UINT8 = 0x08;
const idxTypeNames = new Map<number, string>([
  [0x08, 'unsigned byte'],
  [0x09, 'signed byte'],
  [0x0b, 'int16'],
  [0x0c, 'int32'],
  [0x0d, 'float32'],
  [0x0e, 'float64'],
]);

const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

type IdxKind = 'images' | 'labels';
const kindDims: Record<IdxKind, number> = { images: 3, labels: 1 };

/** Checks the header and the length; returns the dimensions and the items (a view, not a copy). */
function parseIdx(bytes: Uint8Array, file: string, kind: IdxKind): { dims: number[]; items: Uint8Array } {
  const ndims = kindDims[kind];
  const expectedMagic = hex32(0x800 | ndims);
  const what = kind === 'images' ? 'uint8 images, 3 dimensions' : 'uint8 labels, 1 dimension';
  if (bytes.length < 4) {
    throw new DatasetError(
      file,
      `expected an IDX file starting with magic number ${expectedMagic} (${what}), found ${plural(bytes.length, 'byte')} (file truncated)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DatasetError(file, `expected IDX magic number ${expectedMagic} (${what}), found ${hex32(magic)} (not an IDX file)`);
  }
  const type = bytes[2]!;
  if (type !== IDX_UINT8) {
    throw new DatasetError(
      file,
      `expected IDX data type 0x08 (unsigned byte) in magic number ${expectedMagic}, found 0x${type.toString(16).padStart(2, '0')} (${idxTypeNames.get(type) ?? 'not an IDX type'}) in ${hex32(magic)}`,
    );
  }
  const foundDims = bytes[3]!;
  if (foundDims !== ndims) {
    const hint = foundDims === 1 ? '; is this a labels file?' : foundDims === 3 ? '; is this an images file?' : '';
    throw new DatasetError(
      file,
      `expected ${plural(ndims, 'dimension')} for ${kind} (magic ${expectedMagic}), found ${foundDims} (magic ${hex32(magic)}${hint})`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DatasetError(file, `expected an IDX header of ${headerBytes} bytes, found ${plural(bytes.length, 'byte')} (file truncated)`);
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const expectedBytes = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expectedBytes) {
    const items = kind === 'images' ? `${plural(dims[0]!, 'image')} of ${dims[1]}×${dims[2]}` : plural(dims[0]!, 'label');
    const why = bytes.length < expectedBytes ? 'file truncated' : `${bytes.length - expectedBytes} trailing bytes; file oversized`;
    throw new DatasetError(file, `expected ${expectedBytes} bytes of IDX data (${items}), found ${bytes.length} (${why})`);
  }
  return { dims, items: bytes.subarray(headerBytes) };
}

export interface IdxImages {
  count: number;
  height: number;
  width: number;
  /** count × height × width bytes, row-major: pixel (n, y, x) at (n * height + y) * width + x. */
  pixels: Uint8Array;
}

/** What the caller knows the file must hold; anything left out is taken from the header. */
export interface IdxExpectation {
  count?: number;
  height?: number;
  width?: number;
  /** Labels must lie in 0..classes-1. */
  classes?: number;
}

export function readIdxImages(file: string, expected: IdxExpectation = {}): IdxImages {
  // Header and pixels when the caller knows the shape (one byte more, so a longer file is caught as oversized).
  const known = expected.count !== undefined && expected.height !== undefined && expected.width !== undefined;
  const limit = known ? 16 + expected.count! * expected.height! * expected.width! + 1 : MAX_INFLATED_BYTES;
  const { dims, items } = parseIdx(readMaybeGzipped(file, limit), file, 'images');
  const [count, height, width] = dims as [number, number, number];
  if (expected.count !== undefined && count !== expected.count) {
    throw new DatasetError(file, `expected ${plural(expected.count, 'image')}, found ${count} in the header`);
  }
  if ((expected.height !== undefined && height !== expected.height) || (expected.width !== undefined && width !== expected.width)) {
    throw new DatasetError(file, `expected images of ${expected.height ?? height}×${expected.width ?? width}, found ${height}×${width}`);
  }
  return { count, height, width, pixels: items };
}

export function readIdxLabels(file: string, expected: IdxExpectation = {}): Uint8Array {
  const limit = expected.count !== undefined ? 8 + expected.count + 1 : MAX_INFLATED_BYTES;
  const { dims, items } = parseIdx(readMaybeGzipped(file, limit), file, 'labels');
  if (expected.count !== undefined && dims[0] !== expected.count) {
    throw new DatasetError(file, `expected ${plural(expected.count, 'label')}, found ${dims[0]} in the header`);
  }
  if (expected.classes !== undefined) checkLabelRange(items, file, expected.classes, 'item');
  return items;
}

/** Throws on the first label outside 0..classes-1, naming its position. */
export function checkLabelRange(labels: Uint8Array, file: string, classes: number, unit: string): void {
  const bad = labels.findIndex((l) => l >= classes);
  if (bad >= 0) throw new DatasetError(file, `expected labels in 0..${classes - 1}, found ${labels[bad]} at ${unit} ${bad}`);
}

/** An images file and its labels file, which must hold the same number of items. */
export function readIdxPair(imagesFile: string, labelsFile: string, expected: IdxExpectation = {}): IdxImages & { labels: Uint8Array } {
  const images = readIdxImages(imagesFile, expected);
  const labels = readIdxLabels(labelsFile, expected);
  if (labels.length !== images.count) {
    throw new DatasetError(labelsFile, `expected ${plural(images.count, 'label')} (one per image in ${imagesFile}), found ${labels.length}`);
  }
  return { ...images, labels };
}
