/**
 * What a stage's inputs changed between two checkouts, field by field and
 * file by file, for `npm run diff`: the config's fields with their old and
 * new values (profile overrides included, as `profiles.quick.epochs`), and
 * the code files of the stage's cache key (its turbo.json inputs) whose
 * content differs. The artifacts' hashes say whether something changed;
 * this says what.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { stageTaskIds } from '../core/stage-task.ts';
import type { FieldChange, FileChange } from './comparison.ts';

/** Leaves of a config as path → value text; a list of plain values is one leaf ([16, 16, 15]). */
export function configLeaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  const plain = (v: unknown) => v === null || typeof v !== 'object';
  if (Array.isArray(value) && value.every(plain)) out.set(prefix, JSON.stringify(value).replace(/,/g, ', '));
  else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) configLeaves(v, `${prefix}[${i}]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) configLeaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  return out;
}

/** The fields that differ between two config texts (null: no such file); an unreadable side counts as one change of the whole file. */
export function configFieldChanges(base: string | null, head: string | null): FieldChange[] {
  const leaves = (text: string | null): Map<string, string> | null => {
    if (text === null) return new Map();
    try {
      return configLeaves(parse(text));
    } catch {
      return null;
    }
  };
  const b = leaves(base);
  const h = leaves(head);
  if (!b || !h) return [{ path: '(the whole file)', base: b ? 'readable' : 'not valid YAML', head: h ? 'readable' : 'not valid YAML' }];
  const paths = [...new Set([...b.keys(), ...h.keys()])].sort();
  return paths.filter((p) => b.get(p) !== h.get(p)).map((path) => ({ path, base: b.get(path) ?? null, head: h.get(path) ?? null }));
}

const readOrNull = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8') : null);

export function stageConfigChanges(baseDir: string, headDir: string, stage: string): FieldChange[] {
  const file = (dir: string) => join(dir, 'content', 'experiments', `${stage}.yaml`);
  return configFieldChanges(readOrNull(file(baseDir)), readOrNull(file(headDir)));
}

/** Files under `dir`/`sub`, relative to `dir`, depth first. */
function filesUnder(dir: string, sub: string): string[] {
  const here = join(dir, sub);
  if (!existsSync(here)) return [];
  return readdirSync(here, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, `${sub}/${e.name}`) : e.isFile() ? [`${sub}/${e.name}`] : [],
  );
}

/**
 * The code files of a stage's turbo inputs in a checkout, relative to
 * pipeline/: plain files, and folders given as `folder/**`; other entries
 * (configs, datasets, node_modules) and exclusions are left out. Inputs are
 * written `$TURBO_ROOT$/pipeline/…` now, and were relative to pipeline/ in
 * commits whose stage tasks ran in @hw1/pipeline.
 */
export function stageCodeFiles(dir: string, stage: string): string[] {
  const text = readOrNull(join(dir, 'turbo.json'));
  if (!text) return [];
  const tasks = (JSON.parse(text) as { tasks?: Record<string, { inputs?: string[] }> }).tasks ?? {};
  const task = stageTaskIds(stage)
    .map((id) => tasks[id])
    .find(Boolean);
  const pipeline = '$TURBO_ROOT$/pipeline/';
  return (task?.inputs ?? []).flatMap((input) => {
    const f = input.startsWith(pipeline) ? input.slice(pipeline.length) : input;
    const folder = /^([^$!*]+)\/\*\*$/.exec(f)?.[1];
    if (folder) return filesUnder(join(dir, 'pipeline'), folder);
    return /[$*!]/.test(f) ? [] : [f];
  });
}

/** The stage's code files whose content differs between the checkouts, or that only one has. */
export function stageCodeChanges(baseDir: string, headDir: string, stage: string): FileChange[] {
  const b = new Set(stageCodeFiles(baseDir, stage));
  const h = new Set(stageCodeFiles(headDir, stage));
  const hash = (dir: string, file: string) => {
    const text = readOrNull(join(dir, 'pipeline', file));
    return text === null ? null : createHash('sha256').update(text).digest('hex');
  };
  return [...new Set([...b, ...h])].sort().flatMap((file): FileChange[] => {
    if (!b.has(file)) return [{ file, change: 'added' }];
    if (!h.has(file)) return [{ file, change: 'removed' }];
    return hash(baseDir, file) === hash(headDir, file) ? [] : [{ file, change: 'changed' }];
  });
}
