/**
 * The binary version of CIFAR-10: each batch file is a run of records of
 * 1 label byte and 3072 pixel bytes, the pixels channel-major (the 32×32 red
 * plane, then green, then blue, each row-major). Records are turned into
 * NHWC bytes, the layout tfjs's conv layers take: pixel (n, y, x, c) at
 * ((n * 32 + y) * 32 + x) * 3 + c. Bytes, not floats, to keep 50000 images at
 * 150 MB; scale by 1/255 when making tensors.
 */
import { checkLabelRange, DatasetError, readMaybeGzipped } from './idx.ts';

export const CIFAR_SIDE = 32;
export const CIFAR_CHANNELS = 3;
export const CIFAR_CLASSES = 10;
const PLANE = CIFAR_SIDE * CIFAR_SIDE;
export const CIFAR_RECORD_BYTES = 1 + CIFAR_CHANNELS * PLANE;
/** Records in each official batch file (data_batch_1..5.bin, test_batch.bin). */
export const CIFAR_BATCH_RECORDS = 10000;

export interface CifarImages {
  count: number;
  /** count × 32 × 32 × 3 bytes, NHWC (see the module comment). */
  images: Uint8Array;
  labels: Uint8Array;
}

/** Checks a batch's length and labels; returns its record count. */
function checkBatch(bytes: Uint8Array, file: string, expectedRecords: number | undefined): number {
  if (bytes.length % CIFAR_RECORD_BYTES !== 0 || bytes.length === 0) {
    const whole = Math.floor(bytes.length / CIFAR_RECORD_BYTES);
    throw new DatasetError(
      file,
      `expected a non-zero multiple of ${CIFAR_RECORD_BYTES} bytes (records of 1 label byte + 3072 pixel bytes), found ${bytes.length} (${whole} whole records and ${bytes.length - whole * CIFAR_RECORD_BYTES} bytes over; not a CIFAR-10 binary batch, or truncated)`,
    );
  }
  const records = bytes.length / CIFAR_RECORD_BYTES;
  if (expectedRecords !== undefined && records !== expectedRecords) {
    const expectedBytes = expectedRecords * CIFAR_RECORD_BYTES;
    const why = records < expectedRecords ? 'file truncated' : `${bytes.length - expectedBytes} trailing bytes; file oversized`;
    throw new DatasetError(
      file,
      `expected ${expectedBytes} bytes (${expectedRecords} records of ${CIFAR_RECORD_BYTES} bytes), found ${bytes.length} (${records} records; ${why})`,
    );
  }
  const labels = new Uint8Array(records);
  for (let r = 0; r < records; r++) labels[r] = bytes[r * CIFAR_RECORD_BYTES]!;
  checkLabelRange(labels, file, CIFAR_CLASSES, 'record');
  return records;
}

/**
 * Reads batch files (plain or gzipped) into one NHWC array, in file order.
 * `expectedRecords` (per file) is CIFAR_BATCH_RECORDS for the official files.
 */
export function readCifarBatches(files: readonly string[], expectedRecords?: number): CifarImages {
  // Check every file before allocating the (large) output.
  const batches = files.map((file) => {
    const bytes = readMaybeGzipped(file, expectedRecords === undefined ? undefined : expectedRecords * CIFAR_RECORD_BYTES + 1);
    return { bytes, records: checkBatch(bytes, file, expectedRecords) };
  });
  const count = batches.reduce((n, b) => n + b.records, 0);
  const images = new Uint8Array(count * PLANE * CIFAR_CHANNELS);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const { bytes, records } of batches) {
    for (let r = 0; r < records; r++, n++) {
      const src = r * CIFAR_RECORD_BYTES;
      labels[n] = bytes[src]!;
      const red = src + 1;
      const dst = n * PLANE * CIFAR_CHANNELS;
      for (let p = 0; p < PLANE; p++) {
        images[dst + 3 * p] = bytes[red + p]!;
        images[dst + 3 * p + 1] = bytes[red + PLANE + p]!;
        images[dst + 3 * p + 2] = bytes[red + 2 * PLANE + p]!;
      }
    }
  }
  return { count, images, labels };
}

export function readCifarBatch(file: string, expectedRecords?: number): CifarImages {
  return readCifarBatches([file], expectedRecords);
}
