/**
 * The native kernels of a temporary checkout (compare/diff.ts prepareCheckout):
 * when its kernel sources and build script are byte for byte this checkout's,
 * the build would be this checkout's too (same machine, compiler and oneDNN),
 * so the addon and its status.json are copied instead of compiled again (a
 * few seconds per checkout, per side of a diff and per commit of a history).
 * status.json is part of every stage's cache key: copied, it is the file the
 * build would write, so the keys are unchanged.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = join('pipeline', 'native', 'src');
const BUILD = join('pipeline', 'native', 'build');
const SCRIPT = join('pipeline', 'src', 'native', 'build.ts');
const FILES = ['hw1_native.node', 'status.json'];

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

function sameSources(main: string, dir: string): boolean {
  const list = (root: string) => (existsSync(join(root, SOURCES)) ? readdirSync(join(root, SOURCES)).sort() : null);
  const ours = list(main);
  const theirs = list(dir);
  if (!ours || !theirs || ours.join('\0') !== theirs.join('\0')) return false;
  return ours.every((f) => sameFile(join(main, SOURCES, f), join(dir, SOURCES, f))) && sameFile(join(main, SCRIPT), join(dir, SCRIPT));
}

/** Copies `main`'s built kernels into checkout `dir` when their sources are the same; whether it did. */
export function reuseNativeBuild(main: string, dir: string): boolean {
  if (!FILES.every((f) => existsSync(join(main, BUILD, f)))) return false;
  try {
    if (!(JSON.parse(readFileSync(join(main, BUILD, 'status.json'), 'utf8')) as { built?: boolean }).built) return false;
  } catch {
    return false;
  }
  if (!sameSources(main, dir)) return false;
  mkdirSync(join(dir, BUILD), { recursive: true });
  for (const f of FILES) copyFileSync(join(main, BUILD, f), join(dir, BUILD, f));
  return true;
}
