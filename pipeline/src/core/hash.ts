/**
 * Content hashes for cache keys: of a config (canonical JSON) and of the code
 * a stage runs (its run module, the runner, and every project module they
 * import, followed through relative imports).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { projectRoot, sourceRoot, stageFile } from './paths.ts';

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
// dynamic imports (the runner's stage loader) are deliberately not followed.
const importPattern = /^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/gm;
const bareImportPattern = /^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Absolute paths of the `entries` and every module they reach through relative static imports, sorted. */
export function importClosure(...entries: string[]): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const pattern of [importPattern, bareImportPattern]) {
      for (const m of text.matchAll(pattern)) visit(resolve(dirname(file), m[1]!));
    }
  };
  for (const entry of entries) visit(resolve(entry));
  return [...seen].sort();
}

/**
 * The runner every stage goes through, and the worker thread's entry (loaded
 * by URL, so no import statement leads to it). The command line (bin/stage.ts)
 * is not one: it only reads argv and hands the runner a logger, so progress
 * output and number formatting are in no stage's key.
 */
export const runnerModules = [join(sourceRoot, 'runtime', 'run-stage.ts'), join(sourceRoot, 'runtime', 'worker.ts')];

/** Every module a stage's results can depend on: its run module, the runner, and all they import. */
export function stageCode(stage: string): string[] {
  return importClosure(stageFile(stage, 'run'), ...runnerModules);
}

/** Hash of the code a stage runs (stageCode), by path and content: the code part of its cache key. */
export function stageCodeHash(stage: string): string {
  const h = createHash('sha256');
  for (const file of stageCode(stage)) {
    h.update(relative(projectRoot, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}
