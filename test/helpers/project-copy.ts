/**
 * A scratch copy of the project for tests that change its files (a new stage,
 * an edited module) and ask turbo or the CLI what follows: the tracked
 * sources, node_modules linked as `npm run diff` links them (so the copy's own
 * pipeline and site are the workspace packages), and the dataset links. It is
 * a git repository with one commit, as a user's checkout is: turbo hashes a
 * task's package.json into its key only in a git checkout, so a copy without
 * git would hide a key that moves with it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { provideNodeModules } from '../../pipeline/src/compare/worktree.ts';
import { stageOfTask } from '../../pipeline/src/core/stage-task.ts';
import { git, root, tempDir } from './helpers.ts';

const TRACKED = [
  '.gitignore',
  'turbo.json',
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
  'tsconfig.json',
  'biome.json',
  '.dependency-cruiser.cjs',
  'pipeline',
  'stages',
  'content',
  'site',
  'test',
  'vitest.config.ts',
];
const SKIP = /\/(node_modules|dist|dist-compare|\.astro|\.turbo)(\/|$)/;

/** Makes `dir` a git repository whose one commit holds everything its .gitignore lets in. */
function commitAll(dir: string): void {
  git(dir, 'init', '-q');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'the project as copied');
}

/**
 * The least of the project turbo's dry run of the report needs (its configs, the package files, the
 * pipeline's sources, the content), plus `more` paths, with node_modules linked: a git repository, as
 * projectCopy's. For tests that edit an input and read the keys, in a second.
 */
export function keysProject(more: readonly string[] = []): string {
  const dir = tempDir('hw1-keys-');
  const paths = [
    '.gitignore',
    'turbo.json',
    'package.json',
    'package-lock.json',
    'pipeline/package.json',
    'pipeline/src',
    'stages',
    'site/package.json',
    'content',
  ];
  for (const path of [...paths, ...more]) cpSync(join(root, path), join(dir, path), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  commitAll(dir);
  return dir;
}

export async function projectCopy(): Promise<string> {
  const dir = tempDir('hw1-project-');
  for (const path of TRACKED) {
    if (existsSync(join(root, path))) cpSync(join(root, path), join(dir, path), { recursive: true, filter: (src) => !SKIP.test(src.slice(root.length)) });
  }
  await provideNodeModules(root, dir, () => {});
  commitAll(dir);
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const linked = spawnSync(process.execPath, [join(dir, 'pipeline/src/bin/datasets.ts')], { cwd: dir, encoding: 'utf8' });
  if (linked.status !== 0) throw new Error(`npm run datasets failed in the copy:\n${linked.stdout}${linked.stderr}`);
  return dir;
}

/** turbo's task hashes for `turbo run report` in `dir` (a dry run: nothing runs), by task id: what a cache key is. */
export function turboHashes(dir: string, env: NodeJS.ProcessEnv = {}): Record<string, string> {
  const r = spawnSync(join(root, 'node_modules/.bin/turbo'), ['run', 'report', '--dry=json'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, HW1_PROFILE: 'quick', ...env },
  });
  if (r.status !== 0) throw new Error(`turbo --dry=json failed in ${dir}:\n${r.stderr}`);
  const dry = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { tasks: Array<{ taskId: string; hash: string }> };
  return Object.fromEntries(dry.tasks.map((t) => [t.taskId, t.hash]));
}

/** The stage names whose turbo hash differs between two hash maps (a task only one has counts as changed). */
export function changedStages(before: Record<string, string>, after: Record<string, string>): string[] {
  const ids = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...ids]
    .filter((id) => stageOfTask(id) !== undefined && before[id] !== after[id])
    .map((id) => stageOfTask(id)!)
    .sort();
}
