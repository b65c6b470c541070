/**
 * The project as it is now (tracked and untracked files) in a new git
 * repository, for commands over revisions (npm run diff, npm run history):
 * a first commit with only the README (no project layout), then the project
 * with two cheap stages on tiny budgets (base), so a test takes seconds.
 * node_modules and the native kernels are this checkout's, outside git.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { stageTask } from '../../pipeline/src/core/stage-task.ts';
import { git, root, tempDir } from './helpers.ts';

/** The stages the repository keeps, and their tiny quick profiles. */
export const TINY: Record<string, Record<string, unknown>> = {
  'simulate-function': { seeds: [1, 2], epochs: 20, trainingPoints: 32, gridPoints: 21 },
  'minimal-ratio': { runs: 2, phase1: { epochs: 100 }, phase2: { maxSteps: 20 } },
};
const STAGES = Object.keys(TINY);

/** Sets a stage's quick profile in the repository's config. */
export function setQuick(repo: string, stage: string, quick: object): void {
  const file = join(repo, 'content/experiments', `${stage}.yaml`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['profiles', 'quick'], doc.createNode(quick));
  writeFileSync(file, doc.toString());
}

/** A commit on top of `from` with `stage`'s quick profile set to `quick`; returns its hash. */
export function commitQuick(repo: string, from: string, stage: string, quick: object, message: string): string {
  git(repo, 'checkout', '-q', '--detach', from);
  setQuick(repo, stage, quick);
  git(repo, 'commit', '-qam', message);
  return git(repo, 'rev-parse', 'HEAD');
}

export function tinyProjectRepo(): { repo: string; readme: string; base: string } {
  const repo = tempDir('hw1-repo-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(root, f))) continue;
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(root, f), join(repo, f));
  }
  // A revision's stages are its turbo.json's stage tasks (compare/diff.ts stagesOf): keep two.
  const turboFile = join(repo, 'turbo.json');
  const turbo = JSON.parse(readFileSync(turboFile, 'utf8')) as { tasks: Record<string, { dependsOn?: string[] }> };
  const isStage = (task: string) => task.includes('#stage:');
  const kept = (task: string) => STAGES.some((s) => task === stageTask(s).id);
  for (const task of Object.keys(turbo.tasks)) if (isStage(task) && !kept(task)) delete turbo.tasks[task];
  const report = turbo.tasks['@hw1/site#report']!;
  report.dependsOn = report.dependsOn!.filter((t) => !isStage(t) || kept(t));
  writeFileSync(turboFile, `${JSON.stringify(turbo, null, 2)}\n`);
  for (const s of STAGES) setQuick(repo, s, TINY[s]!);
  git(repo, 'init', '-q');
  git(repo, 'add', 'README.md');
  git(repo, 'commit', '-qm', 'readme only');
  const readme = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  const base = git(repo, 'rev-parse', 'HEAD');
  // Outside git: the packages of this checkout.
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'));
  // And its native kernels, as npm ci built them: checkouts reuse them (compare/native.ts) instead of compiling.
  const build = join(root, 'pipeline/native/build');
  if (existsSync(build)) cpSync(build, join(repo, 'pipeline/native/build'), { recursive: true });
  writeFileSync(join(repo, '.git/info/exclude'), 'node_modules\n');
  return { repo, readme, base };
}

/** The environment of a command run in the repository: the quick profile, one worker, no other HW1_ setting. */
export function projectEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick', HW1_WORKERS: '1' };
  for (const k of Object.keys(e)) if (k.startsWith('HW1_') && k !== 'HW1_PROFILE' && k !== 'HW1_WORKERS') delete e[k];
  return e;
}

/** How many worktrees the repository has (1: only its own). */
export const worktrees = (repo: string) =>
  git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree ')).length;
