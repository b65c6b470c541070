/**
 * `npm run history` (bin/history.ts, history/history.ts) end to end, in a
 * temporary git repository holding this project with two cheap stages
 * (test/helpers/project-repo.ts): a commit without the project, the base, a
 * config change that moves simulate-function's losses far beyond their seeds,
 * and a commit whose config is invalid. Nothing trains without --build;
 * with it, each commit's stages are computed into the cache and a later
 * history replays them; every row gives its metrics or says why not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type History, historySchema } from '../../pipeline/src/history/history.ts';
import type { Result } from '../helpers/helpers.ts';
import { commitQuick, projectEnv, TINY, tinyProjectRepo, worktrees } from '../helpers/project-repo.ts';

function history(repo: string, args: string[]): Result {
  const r = spawnSync(process.execPath, [join(repo, 'pipeline/src/bin/history.ts'), ...args], { cwd: repo, env: projectEnv(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const json = (r: Result): History => {
  expect(r.status, r.stderr).toBe(0);
  return historySchema.parse(JSON.parse(r.stdout));
};
const scratchDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('hw1-history-'));
const stageOf = (h: History, row: number, stage: string) => h.rows[row]!.stages.find((s) => s.name === stage)!;

describe('npm run history', () => {
  let repo: string;
  let commits: { readme: string; base: string; longer: string; broken: string };
  const before = new Set(scratchDirs());

  beforeAll(() => {
    const r = tinyProjectRepo();
    repo = r.repo;
    const sf = TINY['simulate-function']!;
    // Fifteen times the epochs: the final losses fall far below the base's seeds.
    const longer = commitQuick(repo, r.base, 'simulate-function', { ...sf, epochs: 300 }, 'simulate-function: 300 epochs');
    const broken = commitQuick(repo, longer, 'simulate-function', { ...sf, epochs: -3 }, 'simulate-function: a broken config');
    commits = { readme: r.readme, base: r.base, longer, broken };
  });

  it('lists every commit without training: no layout, not cached, config invalid', () => {
    const h = json(history(repo, ['--last', '4', '--json']));
    expect(h.rows.map((r) => r.commit)).toEqual([commits.readme, commits.base, commits.longer, commits.broken]);
    expect(h.rows.map((r) => r.subject)).toEqual(['readme only', 'base', 'simulate-function: 300 epochs', 'simulate-function: a broken config']);
    expect(h.rows[0]!.reason).toMatch(/^not this project's layout \(no package\.json/);
    for (const row of [1, 2])
      for (const stage of ['simulate-function', 'minimal-ratio'])
        expect(stageOf(h, row, stage)).toMatchObject({ status: 'not-cached', reason: 'not cached (npm run history -- --build computes it)', metrics: [] });
    expect(stageOf(h, 3, 'simulate-function').status).toBe('config-invalid');
    expect(stageOf(h, 3, 'simulate-function').reason).toMatch(/^config invalid: .*epochs/);
    expect(stageOf(h, 3, 'minimal-ratio').status).toBe('not-cached');
    expect(h.rows[1]!.claims).toBeNull();
    expect(h.rows[1]!.claimsReason).toBe('the report is not cached');
    // Nothing was computed: turbo's cache holds no entry.
    const cache = join(repo, 'cache', 'turbo');
    expect(existsSync(cache) ? readdirSync(cache).filter((f) => !f.startsWith('.')) : []).toEqual([]);
  });

  it('--build computes what the caches lack; the moved metrics are marked and the failed stage says so', () => {
    const r = history(repo, ['--last', '3', '--stage', 'simulate-function', '--build', '--json']);
    const h = json(r);
    expect(h.rows.map((x) => x.stages.map((s) => s.name))).toEqual([['simulate-function'], ['simulate-function'], ['simulate-function']]);
    const [base, longer, broken] = [0, 1, 2].map((i) => stageOf(h, i, 'simulate-function'));
    expect(base!.status).toBe('ran');
    expect(longer!.status).toBe('ran');
    expect(broken).toMatchObject({ status: 'failed', reason: 'stage failed (exit code 2)', metrics: [] });
    // The headline metrics: the shallowest and deepest model's final training loss per function, with both seeds.
    expect(base!.metrics.map((m) => m.name)).toEqual(longer!.metrics.map((m) => m.name));
    expect(base!.metrics.length).toBeGreaterThanOrEqual(2);
    for (const m of base!.metrics) {
      expect(m.seeds).toBe(2);
      expect(m.min).toBeLessThanOrEqual(m.value!);
      expect(m.max).toBeGreaterThanOrEqual(m.value!);
      expect(m.moved).toBe(false);
    }
    // 300 epochs against 20: the losses fell beyond the seeds' spread.
    expect(longer!.metrics.filter((m) => m.moved).length).toBeGreaterThan(0);
    for (const m of longer!.metrics.filter((x) => x.moved)) {
      const b = base!.metrics.find((x) => x.name === m.name)!;
      expect(Math.abs(m.value! - b.value!)).toBeGreaterThan(Math.max(m.max! - m.min!, b.max! - b.min!));
    }
    expect(h.rows[0]!.claimsReason).toBe('the report was not built (--stage)');
  });

  it('then replays them from the cache, in text and Markdown, with the moved cells marked', () => {
    const h = json(history(repo, ['--last', '3', '--stage', 'simulate-function', '--json']));
    expect([0, 1].map((i) => stageOf(h, i, 'simulate-function').status)).toEqual(['replayed', 'replayed']);
    expect(stageOf(h, 2, 'simulate-function').status).toBe('config-invalid');

    const text = history(repo, ['--last', '3', '--stage', 'simulate-function']);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^history of HEAD, profile quick: 3 commits, oldest first; \* moved beyond/);
    expect(text.stdout).toContain('\nsimulate-function\n  [1] sinc · ');
    const moved = h.rows[1]!.stages[0]!.metrics.findIndex((m) => m.moved);
    // The commit's line in the stage's table (its first line is in the table of commits).
    const line = text.stdout
      .split('\n')
      .filter((l) => l.startsWith(h.rows[1]!.short))
      .at(-1)!;
    expect(line.split(/\s{2,}/)[moved + 1]).toMatch(/ \*$/);
    expect(text.stdout).toMatch(new RegExp(`\\n${h.rows[2]!.short}\\s+config invalid: `));
    expect(text.stderr).toMatch(/\[history\] 3\/3 /);

    const md = history(repo, ['--last', '3', '--stage', 'simulate-function', '--metric', 'SINC', '--md']);
    expect(md.status, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^### Results over 3 commits \(`HEAD`, profile `quick`\)/);
    expect(md.stdout).toMatch(/\| commit \| sinc · \S+ · final training loss \| sinc · \S+ · final training loss \|/);
    expect(md.stdout).not.toMatch(/sign · /);
    expect(md.stdout).toMatch(/\*\*[^*]+\*\* \*/);
  });

  it('refuses a bad range, option or stage with exit 2, and leaves no worktree behind', () => {
    const bad = history(repo, ['no-such-branch']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^error: not a revision or range git knows: no-such-branch/m);
    expect(history(repo, ['--last', '0']).stderr).toMatch(/^error: --last takes a whole number of commits from 1 to 1000, not "0"/m);
    expect(history(repo, ['--stage', 'nope']).stderr).toMatch(/^error: --stage nope: no such stage/m);
    expect(worktrees(repo)).toBe(1);
    expect(scratchDirs().filter((d) => !before.has(d))).toEqual([]);
  });
});
