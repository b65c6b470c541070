/**
 * `npm run datasets -- fetch` (data/fetch.ts, download.ts, tar.ts) against a
 * server on 127.0.0.1 started here, serving small archives in the official
 * formats (gzipped IDX; a tar.gz of CIFAR binary batches) with their own
 * checksums: success, a resumed download after a cut connection, a redirect,
 * 404 and 500, a stalled server, a recompressed copy (wrong archive hash,
 * right content), wrong content, a truncated gzip, hostile tar entries, a
 * second fetch of a present copy, a failed fetch over an installed copy, and
 * --from. The real command is run last, on Debian's Fashion-MNIST files
 * served as a mirror.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifarBatches } from '../../pipeline/src/data/cifar.ts';
import { DEBIAN_FASHION_MNIST_DIR } from '../../pipeline/src/data/datasets.ts';
import { DownloadError } from '../../pipeline/src/data/download.ts';
import { type FetchOptions, fetchDataset, SOURCE_FILE, VerifyError } from '../../pipeline/src/data/fetch.ts';
import { readIdxPair } from '../../pipeline/src/data/idx.ts';
import type { ArchiveFile, DatasetSource } from '../../pipeline/src/data/sources.ts';
import { ArchiveError } from '../../pipeline/src/data/tar.ts';
import { runAsync, tempDir, tmpfs } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** An IDX file: images (count × 28 × 28) or labels (count), seeded bytes. */
function idx(kind: 'images' | 'labels', count: number, seed: number): Buffer {
  const head = kind === 'images' ? Buffer.alloc(16) : Buffer.alloc(8);
  head.writeUInt32BE(kind === 'images' ? 0x803 : 0x801, 0);
  head.writeUInt32BE(count, 4);
  if (kind === 'images') {
    head.writeUInt32BE(28, 8);
    head.writeUInt32BE(28, 12);
  }
  const body = Buffer.alloc(kind === 'images' ? count * 784 : count);
  for (let i = 0; i < body.length; i++) body[i] = kind === 'images' ? (i * 31 + seed) % 256 : (i + seed) % 10;
  return Buffer.concat([head, body]);
}

/** A tar archive (ustar) of `entries`: files with data, folders, symbolic or hard links. */
function tar(entries: Array<{ name: string; data?: Buffer; type?: '0' | '5' | '2' | '1'; link?: string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const h = Buffer.alloc(512);
    const data = e.data ?? Buffer.alloc(0);
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    if (e.link) h.write(e.link, 157, 100, 'utf8');
    h.write('ustar\0', 257);
    h.write('00', 263);
    const sum = h.reduce((s, b) => s + b, 0);
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

const file = (name: string, bytes: Buffer, content?: Buffer): ArchiveFile => ({
  name,
  bytes: bytes.length,
  sha256: sha(bytes),
  ...(content ? { content: { bytes: content.length, sha256: sha(content) } } : {}),
});

// Two gzipped IDX files, a small "Fashion-MNIST"; and a tar.gz of two CIFAR batches of 5 records.
const images = idx('images', 10, 3);
const labels = idx('labels', 10, 4);
const imagesGz = gzipSync(images);
const labelsGz = gzipSync(labels);
const record = (r: number) => Buffer.concat([Buffer.from([r % 10]), Buffer.alloc(3072, r)]);
const batch = Buffer.concat([0, 1, 2, 3, 4].map(record));
const cifarTar = gzipSync(
  tar([
    { name: 'tiny-batches-bin/', type: '5' },
    { name: 'tiny-batches-bin/data_batch_1.bin', data: batch },
    { name: 'tiny-batches-bin/test_batch.bin', data: batch },
  ]),
);

const idxSource = (base: string): DatasetSource => ({
  dataset: 'fashion-mnist',
  cliName: 'tiny-idx',
  base,
  kind: 'files',
  folder: 'tiny-idx',
  files: [file('train-images-idx3-ubyte.gz', imagesGz, images), file('train-labels-idx1-ubyte.gz', labelsGz, labels)],
});
const validateIdx = (dir: string) => {
  readIdxPair(join(dir, 'train-images-idx3-ubyte.gz'), join(dir, 'train-labels-idx1-ubyte.gz'), { count: 10, height: 28, width: 28, classes: 10 });
};
const tarSource = (base: string, archive = cifarTar): DatasetSource => ({
  dataset: 'cifar10',
  cliName: 'tiny-cifar',
  base,
  kind: 'tar',
  folder: 'tiny-batches-bin',
  files: [file('tiny.tar.gz', archive)],
});
const validateCifar = (dir: string) => {
  readCifarBatches([join(dir, 'data_batch_1.bin'), join(dir, 'test_batch.bin')], 5);
};

describe('fetching a dataset', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; range: string | undefined }> = [];
  const served: Record<string, Buffer> = {
    'train-images-idx3-ubyte.gz': imagesGz,
    'train-labels-idx1-ubyte.gz': labelsGz,
    'tiny.tar.gz': cifarTar,
  };
  const cut = new Set<string>();

  /** Serves `bytes` with Range support. */
  const send = (req: IncomingMessage, res: ServerResponse, bytes: Buffer) => {
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m ? Number(m[1]) : 0;
    if (from >= bytes.length && m) {
      res.writeHead(416).end();
      return;
    }
    res.writeHead(m ? 206 : 200, {
      'content-length': bytes.length - from,
      ...(m ? { 'content-range': `bytes ${from}-${bytes.length - 1}/${bytes.length}` } : {}),
    });
    res.end(bytes.subarray(from));
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url!, range: req.headers.range });
      const [, mode, name] = /^\/([^/]+)\/([^/?]+)$/.exec(req.url!) ?? [];
      if (mode?.startsWith('hostile-')) return send(req, res, served[mode]!);
      const bytes = served[name ?? ''];
      if (mode === '404' || !bytes) return void res.writeHead(404).end('not here');
      if (mode === '500') return void res.writeHead(500).end('broken');
      if (mode === 'redirect') return void res.writeHead(302, { location: `/ok/${name}` }).end();
      if (mode === 'stall') {
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, 10));
        return; // and nothing more
      }
      if (mode === 'cut' && !cut.has(name!)) {
        // The first request gets half, then the connection is cut.
        cut.add(name!);
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
        return;
      }
      if (mode === 'recompressed') return send(req, res, gzipSync(name!.includes('images') ? images : labels, { level: 1 }));
      if (mode === 'wrong') return send(req, res, gzipSync(idx(name!.includes('images') ? 'images' : 'labels', 10, 99)));
      if (mode === 'truncated') return send(req, res, bytes.subarray(0, bytes.length - 20));
      return send(req, res, bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const logs: string[] = [];
  const options = (dataDir: string, extra: Partial<FetchOptions> = {}): FetchOptions => ({
    env: { HW1_DATA_DIR: dataDir },
    log: (l) => logs.push(l),
    present: () => null,
    validate: validateIdx,
    download: { retries: 2, backoff: 10, idleTimeout: 500, connectTimeout: 2000 },
    ...extra,
  });

  it('downloads, verifies by the archive hash, reads and installs in one step, and says so in SOURCE.json', async () => {
    const data = tempDir();
    const r = await fetchDataset(idxSource(`${base}/ok/`), options(data));
    expect(r).toMatchObject({ outcome: 'installed', verified: 'archive', dir: join(data, 'tiny-idx') });
    expect(readdirSync(join(data, 'tiny-idx')).sort()).toEqual([SOURCE_FILE, 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz']);
    expect(readFileSync(join(data, 'tiny-idx', 'train-images-idx3-ubyte.gz')).equals(imagesGz)).toBe(true);
    const record = JSON.parse(readFileSync(join(data, 'tiny-idx', SOURCE_FILE), 'utf8'));
    expect(record).toMatchObject({ dataset: 'tiny-idx', verified: 'archive' });
    // Nothing left beside it: no part files, no temporary folder.
    expect(readdirSync(data)).toEqual(['tiny-idx']);
  });

  it('resumes where a cut connection stopped, with a Range request', async () => {
    const data = tempDir();
    seen.length = 0;
    const r = await fetchDataset(idxSource(`${base}/cut/`), options(data));
    expect(r.outcome).toBe('installed');
    const images = seen.filter((s) => s.url === '/cut/train-images-idx3-ubyte.gz');
    expect(images).toHaveLength(2);
    expect(images[1]!.range).toBe(`bytes=${imagesGz.length >> 1}-`);
    expect(logs.some((l) => /the connection (was cut|ended|broke).*trying again/.test(l))).toBe(true);
  });

  it('follows a redirect', async () => {
    expect((await fetchDataset(idxSource(`${base}/redirect/`), options(tempDir()))).outcome).toBe('installed');
  });

  it('stops at a 404 at once, and at a 500 after its retries, naming the address and the status', async () => {
    seen.length = 0;
    const data = tempDir();
    const notFound = fetchDataset(idxSource(`${base}/404/`), options(data));
    await expect(notFound).rejects.toThrow(DownloadError);
    await expect(fetchDataset(idxSource(`${base}/404/`), options(data))).rejects.toThrow(`${base}/404/train-images-idx3-ubyte.gz: HTTP 404`);
    expect(seen.filter((s) => s.url.startsWith('/404/'))).toHaveLength(2);
    seen.length = 0;
    await expect(fetchDataset(idxSource(`${base}/500/`), options(data))).rejects.toThrow(/500\/train-images-idx3-ubyte\.gz: HTTP 500/);
    expect(seen).toHaveLength(3);
    expect(existsSync(join(data, 'tiny-idx'))).toBe(false);
  });

  it('gives up on a server that stalls, after its idle timeout and retries', async () => {
    const data = tempDir();
    await expect(fetchDataset(idxSource(`${base}/stall/`), options(data, { download: { retries: 1, backoff: 10, idleTimeout: 300 } }))).rejects.toThrow(
      /nothing received for 0\.3 s \(the server stalled\)/,
    );
    expect(existsSync(join(data, 'tiny-idx'))).toBe(false);
  });

  it('accepts a recompressed copy by the hash of its content', async () => {
    const data = tempDir();
    const r = await fetchDataset(idxSource(`${base}/recompressed/`), options(data));
    expect(r).toMatchObject({ outcome: 'installed', verified: 'content' });
  });

  it('refuses other content and a truncated gzip, naming what was expected, and installs nothing', async () => {
    const data = tempDir();
    const wrong = fetchDataset(idxSource(`${base}/wrong/`), options(data));
    await expect(wrong).rejects.toThrow(VerifyError);
    await expect(fetchDataset(idxSource(`${base}/wrong/`), options(data))).rejects.toThrow(
      new RegExp(
        `wrong/train-images-idx3-ubyte\\.gz \\(downloaded\\) is not the official train-images-idx3-ubyte\\.gz: expected ${imagesGz.length} bytes with SHA-256 ${sha(imagesGz)}, got .*; gunzipped, 7,856 bytes with SHA-256 [0-9a-f]{64}, expected 7,856 bytes with ${sha(images)}`,
      ),
    );
    await expect(fetchDataset(idxSource(`${base}/truncated/`), options(data))).rejects.toThrow(/not a complete gzip stream/);
    expect(existsSync(join(data, 'tiny-idx'))).toBe(false);
    // A file that failed is not resumed by the next try, and the downloads folder, left empty, is gone.
    expect(existsSync(join(data, '.downloads'))).toBe(false);
  });

  it('unpacks a tar.gz of CIFAR batches, and refuses one with an entry that would land outside', async () => {
    const data = tempDir();
    const r = await fetchDataset(tarSource(`${base}/ok/`), options(data, { validate: validateCifar }));
    expect(r.outcome).toBe('installed');
    expect(readdirSync(join(data, 'tiny-batches-bin')).sort()).toEqual([SOURCE_FILE, 'data_batch_1.bin', 'test_batch.bin']);
    for (const [what, entry, message] of [
      ['dotdot', { name: 'tiny-batches-bin/../../evil', data: Buffer.from('x') }, /a name with '\.\.' \(tiny-batches-bin\/\.\.\/\.\.\/evil\)/],
      ['absolute', { name: '/tmp/evil', data: Buffer.from('x') }, /an absolute name \(\/tmp\/evil\)/],
      [
        'symlink',
        { name: 'tiny-batches-bin/link', type: '2', link: '../../../etc' },
        /a link pointing outside \(tiny-batches-bin\/link → \.\.\/\.\.\/\.\.\/etc\)/,
      ],
      ['abs-symlink', { name: 'tiny-batches-bin/link', type: '2', link: '/etc/passwd' }, /a link to an absolute path/],
      ['hardlink', { name: 'tiny-batches-bin/hard', type: '1', link: '../outside' }, /a link pointing outside/],
    ] as const) {
      const hostile = gzipSync(
        tar([
          { name: 'tiny-batches-bin/', type: '5' },
          { name: 'tiny-batches-bin/data_batch_1.bin', data: batch },
          entry as Parameters<typeof tar>[0][number],
          { name: 'tiny-batches-bin/test_batch.bin', data: batch },
        ]),
      );
      served[`hostile-${what}`] = hostile;
      const where = tempDir();
      const err = await fetchDataset(tarSource(`${base}/hostile-${what}/`, hostile), options(where, { validate: validateCifar })).catch((e: unknown) => e);
      expect(err, what).toBeInstanceOf(ArchiveError);
      expect((err as Error).message, what).toMatch(message);
      expect((err as Error).message).toMatch(/nothing was unpacked/);
      // The archive itself verified: it stays in .downloads/, nothing else is written.
      expect(
        readdirSync(where).filter((f) => f !== '.downloads'),
        what,
      ).toEqual([]);
      expect(existsSync(join(where, '..', 'evil'))).toBe(false);
    }
  });

  it('keeps a verified copy that is present, downloading nothing', async () => {
    const data = tempDir();
    await fetchDataset(idxSource(`${base}/ok/`), options(data));
    seen.length = 0;
    const dest = join(data, 'tiny-idx');
    const again = await fetchDataset(idxSource(`${base}/ok/`), options(data, { present: () => dest }));
    expect(again).toMatchObject({ outcome: 'present', verified: 'archive' });
    expect(seen).toEqual([]);
    expect(logs.at(-1)).toMatch(/tiny-idx: present in .*tiny-idx \(verified: the official files\); nothing downloaded/);
  });

  it('leaves an installed copy as it was when a forced fetch fails', async () => {
    const data = tempDir();
    await fetchDataset(idxSource(`${base}/ok/`), options(data));
    const dest = join(data, 'tiny-idx');
    const before = readdirSync(dest).map((f) => [f, readFileSync(join(dest, f)).toString('base64')]);
    for (const mode of ['404', 'wrong']) await expect(fetchDataset(idxSource(`${base}/${mode}/`), options(data, { force: true }))).rejects.toThrow();
    expect(readdirSync(dest).map((f) => [f, readFileSync(join(dest, f)).toString('base64')])).toEqual(before);
    expect(readdirSync(data)).toEqual(['tiny-idx']);
  });

  it('installs from a folder the user has, verified the same way, and refuses a bad file', async () => {
    const have = tempDir();
    writeFileSync(join(have, 'train-images-idx3-ubyte.gz'), gzipSync(images, { level: 2 }));
    writeFileSync(join(have, 'train-labels-idx1-ubyte.gz'), labelsGz);
    const data = tempDir();
    const r = await fetchDataset(idxSource('http://127.0.0.1:9/'), options(data, { from: have }));
    expect(r).toMatchObject({ outcome: 'installed', verified: 'content' });
    writeFileSync(join(have, 'train-labels-idx1-ubyte.gz'), gzipSync(idx('labels', 10, 7)));
    await expect(fetchDataset(idxSource('http://127.0.0.1:9/'), options(tempDir(), { from: have }))).rejects.toThrow(
      new RegExp(`${have}/train-labels-idx1-ubyte\\.gz is not the official train-labels-idx1-ubyte\\.gz`),
    );
    await expect(fetchDataset(idxSource('http://127.0.0.1:9/'), options(tempDir(), { from: join(have, 'nothing') }))).rejects.toThrow(
      /--from .*nothing: no such file or folder/,
    );
  });

  it('fails in one line when the address cannot be reached, naming it and the two ways round', async () => {
    const err = await fetchDataset(idxSource('http://127.0.0.1:9/'), options(tempDir(), { download: { retries: 0, connectTimeout: 2000 } })).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/train-images-idx3-ubyte\.gz: could not be reached \(ECONNREFUSED\)\. Offline\? Fetch from a mirror with --mirror <url> \(or HW1_DATASETS_MIRROR\), or install a copy you have with --from <path>$/,
    );
  });

  // Skipped (and counted as skipped) where no tmpfs can be mounted.
  const small = tmpfs(128);
  it.skipIf(small === null)('says the disk is full, and leaves no part file and no copy (a 128 KB tmpfs)', async () => {
    const big = randomBytes(300_000);
    served['big.bin'] = big;
    const source: DatasetSource = { ...idxSource(`${base}/ok/`), files: [file('big.bin', big)] };
    const err = await fetchDataset(source, options(small!, { validate: () => {} })).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`no space left on the disk holding ${small}: tiny-idx was not installed, and nothing half-written is left`);
    expect(existsSync(join(small!, '.downloads'))).toBe(false);
    expect(existsSync(join(small!, 'tiny-idx'))).toBe(false);
  });

  // Debian's files (CI installs dataset-fashion-mnist): the official content, recompressed.
  it.skipIf(!existsSync(join(DEBIAN_FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz')))(
    'npm run datasets -- fetch fashion-mnist --mirror: installs Debian’s copy by its content, and nothing when one byte differs',
    async () => {
      for (const f of readdirSync(DEBIAN_FASHION_MNIST_DIR)) served[f] = readFileSync(join(DEBIAN_FASHION_MNIST_DIR, f));
      // Asynchronous: the server runs in this process.
      // In a copy of the project: the command points the checkout's cache/datasets link at what it installs.
      const copy = await projectCopy();
      const run = (data: string) =>
        runAsync(join(copy, 'pipeline/src/bin/datasets.ts'), ['fetch', 'fashion-mnist', '--mirror', `${base}/ok/`], {
          cwd: copy,
          // A machine without Debian's package: its folder hidden.
          env: { ...process.env, HW1_DATA_DIR: data, HW1_FASHION_MNIST_DIR: join(data, 'no-debian-package'), CI: 'true' },
        });
      const data = tempDir();
      const ok = await run(data);
      expect(ok.status, ok.stdout + ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(/fashion-mnist: installed in .*fashion-mnist \(verified: the official content, by the SHA-256 of the gunzipped files\)/);
      expect(readdirSync(join(data, 'fashion-mnist')).sort()).toEqual([
        SOURCE_FILE,
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
      ]);
      // turbo's link follows the new copy, in the copy of the project only.
      expect(readlinkSync(join(copy, 'cache/datasets/fashion-mnist'))).toBe(join(data, 'fashion-mnist'));
      // One byte changed in one file.
      const changed = Buffer.from(served['t10k-labels-idx1-ubyte.gz']!);
      changed[changed.length - 9] = changed[changed.length - 9]! ^ 1;
      served['t10k-labels-idx1-ubyte.gz'] = changed;
      const other = tempDir();
      const bad = await run(other);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/t10k-labels-idx1-ubyte\.gz \(downloaded\) is not the official t10k-labels-idx1-ubyte\.gz/);
      expect(existsSync(join(other, 'fashion-mnist'))).toBe(false);
    },
    300_000,
  );
});
