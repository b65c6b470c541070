/**
 * `npm run diff` (bin/diff.ts, compare/diff.ts) end to end, in a temporary git repository holding this
 * project (two cheap stages on tiny budgets, so it takes seconds): unchanged
 * stages replayed from turbo's cache, the changed one run and listed first,
 * the worktrees gone afterwards; and each error, each leaving nothing behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Comparison, comparisonSchema } from '../../pipeline/src/compare/comparison.ts';
import { type Result, tempDir } from '../helpers/helpers.ts';
import { commitQuick, projectEnv as env, TINY, tinyProjectRepo, worktrees } from '../helpers/project-repo.ts';

/** The project in a new repository, two stages on tiny budgets, then minimal-ratio changed (head). */
function projectRepo() {
  const { repo, readme, base } = tinyProjectRepo();
  const head = commitQuick(repo, base, 'minimal-ratio', { ...TINY['minimal-ratio'], runs: 3 }, 'head: minimal-ratio runs 3');
  return { repo, readme, base, head };
}

function diff(repo: string, args: string[]): Result {
  const r = spawnSync(process.execPath, [join(repo, 'pipeline/src/bin/diff.ts'), ...args], { cwd: repo, env: env(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const scratchDirs = () => new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('hw1-diff-')));

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
      const broken = commitQuick(r.repo, r.base, 'minimal-ratio', { ...TINY['minimal-ratio'], runs: 0 }, 'broken config');
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
      const slow = commitQuick(r.repo, r.base, 'minimal-ratio', { runs: 40, phase1: { epochs: 20000 }, phase2: { maxSteps: 20 } }, 'slow');
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
