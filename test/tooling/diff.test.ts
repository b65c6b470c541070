/**
 * `npm run diff` (bin/diff.ts, compare/diff.ts) end to end, in a temporary git repository holding this
 * project (two cheap stages on tiny budgets, so it takes seconds): unchanged
 * stages replayed from turbo's cache, the changed one run and listed first,
 * the worktrees gone afterwards; and each error, each leaving nothing behind.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { type Comparison, comparisonSchema } from '../../pipeline/src/compare/comparison.ts';
import { type Result, root, tempDir } from '../helpers/helpers.ts';

const STAGES = ['simulate-function', 'minimal-ratio'];
const tiny: Record<string, object> = {
  'simulate-function': { seeds: [1, 2], epochs: 20, trainingPoints: 32, gridPoints: 21 },
  'minimal-ratio': { runs: 2, phase1: { epochs: 100 }, phase2: { maxSteps: 20 } },
};

const git = (repo: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();

function setQuick(repo: string, stage: string, quick: object): void {
  const file = join(repo, 'content/experiments', `${stage}.yaml`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.setIn(['profiles', 'quick'], doc.createNode(quick));
  writeFileSync(file, doc.toString());
}

/** A commit on top of `from` with minimal-ratio's quick profile set to `quick`; returns its hash. */
function commitMinimalRatio(repo: string, from: string, quick: object, message: string): string {
  git(repo, 'checkout', '-q', '--detach', from);
  setQuick(repo, 'minimal-ratio', quick);
  git(repo, 'commit', '-qam', message);
  return git(repo, 'rev-parse', 'HEAD');
}

/**
 * The project as it is now (tracked and untracked files) in a new repository:
 * a first commit with only the README (no project layout), then the project
 * with two stages on tiny budgets (base), then minimal-ratio changed (head).
 */
function projectRepo() {
  const repo = tempDir('hw1-repo-');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(root, f))) continue;
    mkdirSync(dirname(join(repo, f)), { recursive: true });
    copyFileSync(join(root, f), join(repo, f));
  }
  // A side's stages are its turbo.json's stage tasks (compare/diff.ts stagesOf): keep two.
  const turboFile = join(repo, 'turbo.json');
  const turbo = JSON.parse(readFileSync(turboFile, 'utf8')) as { tasks: Record<string, { dependsOn?: string[] }> };
  const isStage = (task: string) => task.startsWith('@hw1/pipeline#stage:');
  const kept = (task: string) => STAGES.includes(task.slice('@hw1/pipeline#stage:'.length));
  for (const task of Object.keys(turbo.tasks)) if (isStage(task) && !kept(task)) delete turbo.tasks[task];
  const report = turbo.tasks['@hw1/site#report']!;
  report.dependsOn = report.dependsOn!.filter((t) => !isStage(t) || kept(t));
  writeFileSync(turboFile, `${JSON.stringify(turbo, null, 2)}\n`);
  for (const s of STAGES) setQuick(repo, s, tiny[s]!);
  git(repo, 'init', '-q');
  git(repo, 'add', 'README.md');
  git(repo, 'commit', '-qm', 'readme only');
  const readme = git(repo, 'rev-parse', 'HEAD');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-qm', 'base');
  const base = git(repo, 'rev-parse', 'HEAD');
  const head = commitMinimalRatio(repo, base, { ...tiny['minimal-ratio'], runs: 3 }, 'head: minimal-ratio runs 3');
  // Outside git: the packages of this checkout.
  symlinkSync(join(root, 'node_modules'), join(repo, 'node_modules'));
  // And its native kernels, as npm ci built them: the sides reuse them (compare/native.ts) instead of compiling.
  const build = join(root, 'pipeline/native/build');
  if (existsSync(build)) cpSync(build, join(repo, 'pipeline/native/build'), { recursive: true });
  writeFileSync(join(repo, '.git/info/exclude'), 'node_modules\n');
  return { repo, readme, base, head };
}

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick', HW1_WORKERS: '1' };
  for (const k of Object.keys(e)) if (k.startsWith('HW1_') && k !== 'HW1_PROFILE' && k !== 'HW1_WORKERS') delete e[k];
  return e;
};

function diff(repo: string, args: string[]): Result {
  const r = spawnSync(process.execPath, [join(repo, 'pipeline/src/bin/diff.ts'), ...args], { cwd: repo, env: env(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scratchDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('hw1-diff-')));
const worktrees = (repo: string) =>
  git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree ')).length;

describe('npm run diff', () => {
  let r: ReturnType<typeof projectRepo>;
  let run: Result;
  let c: Comparison;
  let before: Set<string>;

  beforeAll(() => {
    r = projectRepo();
    before = scratchDirs();
    run = diff(r.repo, [r.base, r.head, '--json', '--no-site']);
    if (run.status !== 0) throw new Error(`diff failed:\n${run.stderr}`);
    c = comparisonSchema.parse(JSON.parse(run.stdout));
  });

  it('trains what changed and replays the rest from the shared turbo cache', () => {
    const s = (name: string) => c.stages.find((x) => x.name === name)!;
    // The base side trained both stages into the cache; the head found simulate-function there.
    expect(s('simulate-function').base.status).toBe('ran');
    expect(s('simulate-function').head.status).toBe('replayed');
    expect(s('minimal-ratio').head.status).toBe('ran');
    expect(run.stderr).toMatch(/head: 1 replayed from cache, ran minimal-ratio/);
    // No training output from simulate-function on the head side.
    expect(run.stderr).not.toMatch(/\[head\].*\[simulate-function\] profile/);
  });

  it('reports what changed per stage and the changed metrics', () => {
    const [first, second] = c.stages;
    expect(first!.name).toBe('minimal-ratio');
    expect(first!.changes).toMatchObject({ config: true, code: false, data: [] });
    // What changed in the config, field by field with both values; no code file changed.
    expect(first!.changes.configFields).toEqual([{ path: 'profiles.quick.runs', base: '2', head: '3' }]);
    expect(first!.changes.codeFiles).toEqual([]);
    expect(first!.metrics.some((m) => m.changed)).toBe(true);
    // Two runs became three: the count of runs moved.
    const finished = first!.metrics.filter((m) => m.name.startsWith('runs ') || m.name === 'diverged runs');
    expect(finished.reduce((n, m) => n + m.head!, 0) - finished.reduce((n, m) => n + m.base!, 0)).toBe(1);
    expect(second!.name).toBe('simulate-function');
    expect(second!.changed).toBe(false);
    expect(second!.metrics.length).toBeGreaterThan(0);
    expect(second!.metrics.every((m) => !m.changed && m.base === m.head)).toBe(true);
  });

  it('writes the Markdown table with the changed stage first', () => {
    const md = readFileSync(join(r.repo, 'site/dist-compare/comparison.md'), 'utf8');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && l.includes('(`'));
    expect(rows[0]).toMatch(/^\| \*\*1-2 What happens when the gradient is almost zero\*\* \(`minimal-ratio`\) \| config \| ran \| ran \| [1-9]\d* of \d+/);
    expect(rows[1]).toMatch(/`simulate-function`\) \| nothing \|/);
    expect(md).toMatch(/#### 1-2 What happens .* \(`minimal-ratio`\): config changed\n\n- config `profiles\.quick\.runs`: `2` → `3`\n/);
    expect(md).not.toMatch(/#### .*simulate-function/);
  });

  it('removes its worktrees and scratch directory', () => {
    expect(worktrees(r.repo)).toBe(1);
    expect([...scratchDirs()].filter((d) => !before.has(d))).toEqual([]);
  });

  describe('errors name the side and leave nothing behind', () => {
    const clean = () => {
      expect(worktrees(r.repo)).toBe(1);
      expect([...scratchDirs()].filter((d) => !before.has(d))).toEqual([]);
    };

    it('an unknown revision', () => {
      const e = diff(r.repo, ['no-such-branch', '--no-site']);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(/^error: unknown base revision "no-such-branch"/m);
      const h = diff(r.repo, [r.base, 'v9.9', '--no-site']);
      expect(h.stderr).toMatch(/^error: unknown head revision "v9\.9"/m);
      clean();
    });

    it('an --out directory holding files it did not write, refused before any work', () => {
      const foreign = tempDir();
      writeFileSync(join(foreign, 'notes.md'), 'mine');
      const e = diff(r.repo, [r.base, '--no-site', '--out', foreign]);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(/^error: refusing to build into --out=.* holds files this project did not write there \(notes\.md\)/m);
      expect(e.stderr).not.toMatch(/checked out/);
      expect(readdirSync(foreign)).toEqual(['notes.md']);
      clean();
    });

    it('a revision without the project', () => {
      const e = diff(r.repo, [r.readme, r.base, '--no-site']);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(
        new RegExp(
          `^error: the base revision ${r.readme} \\(${r.readme.slice(0, 10)}\\) does not have the project's layout: no package.json, package-lock.json, turbo.json`,
          'm',
        ),
      );
      clean();
    });

    it('a stage that fails on one side', () => {
      const broken = commitMinimalRatio(r.repo, r.base, { ...tiny['minimal-ratio'], runs: 0 }, 'broken config');
      const e = diff(r.repo, [r.base, broken, '--no-site']);
      expect(e.status).toBe(2);
      expect(e.stderr).toMatch(
        /^error: stage "minimal-ratio" failed on the head side \(head [0-9a-f]{7}.*\): exit code 2; the end of its log \(npm's lines left out\):/m,
      );
      expect(e.stderr).toMatch(/minimal-ratio\.yaml:\d+: profiles\.quick\.runs: expected a number >= 1, got number 0/);
      // The summary at the end (the run's own lines stream above it, npm's included).
      expect(e.stderr.slice(e.stderr.lastIndexOf('the end of its log'))).not.toMatch(/npm error|ERROR +command/);
      clean();
    });

    it('Ctrl-C while a stage trains', async () => {
      const slow = commitMinimalRatio(r.repo, r.base, { runs: 40, phase1: { epochs: 20000 }, phase2: { maxSteps: 20 } }, 'slow');
      const child = spawn(process.execPath, [join(r.repo, 'pipeline/src/bin/diff.ts'), r.base, slow, '--no-site'], { cwd: r.repo, env: env() });
      let stderr = '';
      const code = await new Promise<number | null>((resolve) => {
        child.stderr.on('data', (d: Buffer) => {
          stderr += d;
          // Interrupt once the head's minimal-ratio is training.
          if (/\[head\].*\[minimal-ratio\] backend/.test(stderr) && !child.killed) child.kill('SIGINT');
        });
        child.on('close', resolve);
        // Never leave it training if the interrupt went unnoticed.
        setTimeout(() => child.kill('SIGKILL'), 90_000).unref();
      });
      expect(stderr).toMatch(/SIGINT: stopping and removing the temporary worktrees/);
      expect(code).toBe(130);
      clean();
    });
  });
});
