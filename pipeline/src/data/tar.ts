/**
 * Unpacks a tar.gz archive of a dataset into a folder, refusing anything that
 * could write outside it: an absolute name, a `..` in a name, a link whose
 * target leaves the archive. The whole archive is checked before the first
 * file is written, so a refused archive writes nothing. Only regular files
 * and folders are created; a link that stays inside is not needed by any
 * dataset and is skipped. Reads ustar, with the long names of GNU tar (`L`)
 * and of pax headers (`path`, `linkpath`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../core/errors.ts';

/** An archive refused: damaged, or with an entry that would land outside its folder. */
export class ArchiveError extends InputError {}

interface Entry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  /** A link's target: from the archive's root for a hard link, from the link's own folder for a symbolic one. */
  linkTarget: string;
  hard: boolean;
  data: Buffer;
}

const text = (b: Buffer): string => {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
};

const octal = (b: Buffer): number => {
  const s = text(b).trim();
  return s ? Number.parseInt(s, 8) : 0;
};

/** The pax records of an extended header ("<len> key=value\n" …). */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** Every entry of a tar archive (already gunzipped), long names resolved. */
function entries(tar: Buffer, archive: string): Entry[] {
  const out: Entry[] = [];
  let at = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax: Record<string, string> = {};
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const sum = header.reduce((s, b, i) => s + (i >= 148 && i < 156 ? 0x20 : b), 0);
    if (sum !== octal(header.subarray(148, 156))) throw new ArchiveError(`${archive}: not a tar archive, or damaged (bad header checksum at byte ${at})`);
    const size = octal(header.subarray(124, 136));
    const flag = String.fromCharCode(header[156]!);
    const data = tar.subarray(at + 512, at + 512 + size);
    if (data.length < size) throw new ArchiveError(`${archive}: truncated (an entry runs past the end of the archive)`);
    at += 512 + Math.ceil(size / 512) * 512;
    if (flag === 'L' || flag === 'K') {
      if (flag === 'L') longName = text(data);
      else longLink = text(data);
      continue;
    }
    if (flag === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (flag === 'g') continue;
    const prefix = header.subarray(257, 263).toString('ascii').startsWith('ustar') ? text(header.subarray(345, 500)) : '';
    const short = text(header.subarray(0, 100));
    const name = pax.path ?? longName ?? (prefix ? `${prefix}/${short}` : short);
    const linkTarget = pax.linkpath ?? longLink ?? text(header.subarray(157, 257));
    const type = flag === '0' || flag === '\0' || flag === '7' ? 'file' : flag === '5' ? 'dir' : flag === '1' || flag === '2' ? 'link' : 'other';
    out.push({ name, type, linkTarget, hard: flag === '1', data });
    longName = null;
    longLink = null;
    pax = {};
  }
  return out;
}

/** Why `entry` would land outside the folder it is unpacked into, or null. */
function outside(entry: Entry): string | null {
  if (entry.name.startsWith('/') || /^[A-Za-z]:/.test(entry.name)) return `an absolute name (${entry.name})`;
  if (entry.name.split(/[\\/]/).includes('..')) return `a name with '..' (${entry.name})`;
  if (entry.type === 'link') {
    const t = entry.linkTarget;
    if (t.startsWith('/') || /^[A-Za-z]:/.test(t)) return `a link to an absolute path (${entry.name} → ${t})`;
    const resolved = posix.normalize(entry.hard ? t : posix.join(posix.dirname(entry.name), t));
    if (resolved === '..' || resolved.startsWith('../')) return `a link pointing outside (${entry.name} → ${t})`;
  }
  return null;
}

/**
 * Unpacks the gzipped tar `archive` (its bytes) into `dir`, after checking
 * every entry; inflating stops past `maxBytes`. Throws ArchiveError naming
 * the first entry that is refused, before anything is written.
 */
export function unpackTarGz(bytes: Buffer, archive: string, dir: string, maxBytes = 1024 * 2 ** 20): string[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new ArchiveError(`${archive}: more than ${maxBytes.toLocaleString('en-US')} bytes once gunzipped (stopped there)`);
    throw new ArchiveError(`${archive}: not a complete gzip stream (${(err as Error).message}; truncated or damaged)`);
  }
  const all = entries(tar, archive);
  for (const e of all) {
    const why = outside(e);
    if (why) throw new ArchiveError(`${archive}: refused, it holds ${why}; nothing was unpacked`);
  }
  const written: string[] = [];
  for (const e of all) {
    const path = join(dir, e.name);
    if (e.type === 'dir') mkdirSync(path, { recursive: true });
    else if (e.type === 'file') {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, e.data, { mode: 0o644 });
      written.push(e.name);
    }
  }
  return written;
}
