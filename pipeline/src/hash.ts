/**
 * Content hashes for cache keys: of a config (canonical JSON) and of a
 * stage's code (the stage module and every project module it imports,
 * followed through relative imports).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root: the nearest directory above this module (or, once bundled into the site, above the working directory) holding turbo.json and pipeline/. */
function findProjectRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'turbo.json')) && existsSync(join(dir, 'pipeline', 'src', 'stage.ts'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(`cannot find the project root (a directory with turbo.json and pipeline/) above ${process.cwd()}`);
}

export const projectRoot = findProjectRoot();
export const pipelineRoot = join(projectRoot, 'pipeline');

/** JSON with object keys sorted, so equal values hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashJson(value: unknown): string {
  return sha256(canonicalJson(value)).slice(0, 16);
}

// Static `import … from './x.ts'` and `export … from './x.ts'`. Type-only imports change no behaviour and
// dynamic imports (the CLI's stage loader) are deliberately not followed.
const importPattern = /^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;
const bareImportPattern = /^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Absolute paths of `entry` and every module it reaches through relative static imports, sorted. */
export function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const pattern of [importPattern, bareImportPattern]) {
      for (const m of text.matchAll(pattern)) visit(resolve(dirname(file), m[1]!));
    }
  };
  visit(resolve(entry));
  return [...seen].sort();
}

/** Hash of the code a stage runs: its module's import closure, by path and content. */
export function codeHash(entry: string): string {
  const h = createHash('sha256');
  for (const file of importClosure(entry)) {
    h.update(relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
