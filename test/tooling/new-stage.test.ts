/**
 * A new stage in one command: `npm run new-stage -- <name>` in a scratch copy
 * of the project gives a stage that turbo runs and the report shows (its page,
 * its figure, its numbers), with nothing else edited by hand, and leaves every
 * other stage's cache key as it was.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageTask } from '../../pipeline/src/core/stage-task.ts';
import { quickArtifacts, root, stageList } from '../helpers/helpers.ts';
import { changedStages, projectCopy, turboHashes } from '../helpers/project-copy.ts';

const run = (dir: string, script: string, args: string[]) =>
  spawnSync(process.execPath, [join(dir, 'pipeline/src/bin', script), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, HW1_PROFILE: 'quick' } });
const turbo = (dir: string, args: string[]) =>
  spawnSync(join(root, 'node_modules/.bin/turbo'), args, { cwd: dir, encoding: 'utf8', env: { ...process.env, HW1_PROFILE: 'quick' } });

describe('npm run new-stage', () => {
  let dir: string;
  let before: Record<string, string>;
  let scaffold: ReturnType<typeof run>;
  let quick: string;
  beforeAll(async () => {
    // The other stages' quick artifacts (computed once per test run), for the report below.
    quick = await quickArtifacts();
    dir = await projectCopy();
    before = turboHashes(dir);
    scaffold = run(dir, 'new-stage.ts', ['toy-stage', '--title', 'A toy stage', '--section', '9-9']);
  }, 600_000);

  it('writes the stage’s folder, config, page and view, and the derived files', () => {
    expect(scaffold.status, scaffold.stderr).toBe(0);
    for (const file of [
      'pipeline/src/stages/toy-stage/spec.ts',
      'pipeline/src/stages/toy-stage/run.ts',
      'pipeline/src/stages/toy-stage/metrics.ts',
      'content/experiments/toy-stage.yaml',
      'content/report/toy-stage.mdx',
      'site/src/stages/toy-stage.ts',
      'test/unit/checks/toy-stage.test.ts',
    ]) {
      expect(scaffold.stdout).toContain(file);
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(readFileSync(join(dir, 'pipeline/src/stages/registry.ts'), 'utf8')).toContain("'toy-stage': toyStage,");
    expect(readFileSync(join(dir, 'site/src/stages/registry.ts'), 'utf8')).toContain("'toy-stage': toyStage,");
    // Its own package, whose one script is its turbo task, and the lockfile that lists it (npm ci refuses one out of step).
    expect(JSON.parse(readFileSync(join(dir, 'stages/toy-stage/package.json'), 'utf8')).scripts).toEqual({
      'stage:toy-stage': 'node ../../pipeline/src/bin/stage.ts toy-stage',
    });
    expect(JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')).packages['stages/toy-stage'].name).toBe('@hw1/stage-toy-stage');
    expect(scaffold.stdout).toContain('package-lock.json');
    const check = run(dir, 'sync.ts', ['--check']);
    expect(check.status, check.stderr).toBe(0);
  });

  it('adds its turbo task and leaves every other stage’s key unchanged', () => {
    const after = turboHashes(dir);
    expect(Object.keys(after)).toContain(stageTask('toy-stage').id);
    expect(changedStages(before, after)).toEqual(['toy-stage']);
    expect(after['@hw1/site#report']).not.toBe(before['@hw1/site#report']);
  });

  it('runs through turbo, and the report shows its page, figure and numbers', () => {
    // Computed from identical code and configs, so current in the copy too.
    cpSync(quick, join(dir, 'cache/artifacts'), { recursive: true });
    const stage = turbo(dir, ['run', 'stage:toy-stage', '--output-logs=errors-only']);
    expect(stage.status, stage.stdout + stage.stderr).toBe(0);
    expect(existsSync(join(dir, 'cache/artifacts/toy-stage/artifact.json'))).toBe(true);
    const site = turbo(dir, ['run', 'report', '--only', '--output-logs=errors-only']);
    expect(site.status, site.stdout + site.stderr).toBe(0);

    const page = parseHTML(readFileSync(join(dir, 'site/dist/toy-stage.html'), 'utf8')).document;
    expect(page.querySelector('h1')?.textContent).toBe('9-9 A toy stage');
    const figure = page.querySelector('figure#figure-toy-stage-loss');
    expect(figure?.querySelector('figcaption')?.textContent).toMatch(/^Figure 9-9\.1\. Training loss vs\. epoch/);
    expect(figure?.querySelectorAll('g[aria-description="median over seeds"] path').length).toBe(1);
    expect(page.querySelector('main')?.textContent).toMatch(/median\s+final training loss over 2\s+seeds is \d/);
    // Its claim, checked, and the one of its finding's sentences the data chose.
    expect(page.querySelector('[data-check="toy-stage-loss-falls"]')?.getAttribute('data-claim')).toBe('pass');
    expect(page.querySelectorAll('[data-check="toy-stage-seeds-agree"]').length).toBe(1);
    const index = parseHTML(readFileSync(join(dir, 'site/dist/index.html'), 'utf8')).document;
    expect([...index.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toContain('./toy-stage.html');
    // The front page's compute table lists it after the report's own stages.
    expect([...index.querySelectorAll('.stage-times th code')].map((c) => c.textContent)).toEqual([...stageList.map((s) => s.name), 'toy-stage']);
  });

  it('its checks’ tests pass on a fixture of its quick artifact', () => {
    const make = spawnSync(process.execPath, [join(dir, 'test/fixtures/make-artifact-fixtures.ts'), 'toy-stage'], { cwd: dir, encoding: 'utf8' });
    expect(make.status, make.stderr).toBe(0);
    expect(existsSync(join(dir, 'test/fixtures/artifacts/toy-stage.json'))).toBe(true);
    const vitest = spawnSync(join(root, 'node_modules/.bin/vitest'), ['run', 'test/unit/checks/toy-stage.test.ts'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CI: 'true' },
    });
    expect(vitest.status, vitest.stdout + vitest.stderr).toBe(0);
    expect(vitest.stdout).toMatch(/tests: 8 passed, 0 failed, 0 skipped/);
  });

  it('refuses a name that exists or is not a stage name, writing nothing', () => {
    const again = run(dir, 'new-stage.ts', ['toy-stage']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/stage "toy-stage" exists already/);
    const bad = run(dir, 'new-stage.ts', ['Toy_Stage']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected lower-case words/);
    expect(existsSync(join(dir, 'content/experiments/Toy_Stage.yaml'))).toBe(false);
  });
});
