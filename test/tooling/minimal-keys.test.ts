/**
 * Cache keys are exact and minimal: a stage's turbo key holds the code it runs
 * and nothing else, so editing code a stage never runs (the Hessian for a
 * stage without one, the number formatter, the diff, the site, a metric)
 * retrains nothing. Checked twice: on the import closures that make the keys,
 * and with turbo's own dry run on a scratch copy after editing each file.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageCode } from '../../pipeline/src/core/hash.ts';
import { root, stageList } from '../helpers/helpers.ts';
import { changedStages, projectCopy, turboHashes } from '../helpers/project-copy.ts';

const code = (stage: string) => stageCode(stage).map((f) => relative(root, f));

describe('what is in a stage’s key', () => {
  it('the Hessian module only where a Hessian is computed (flatness-sensitivity: sharpness by power iteration)', () => {
    for (const { name } of stageList) expect(code(name).includes('pipeline/src/analysis/hessian.ts'), name).toBe(name === 'flatness-sensitivity');
  });

  it('no formatter, progress output, command line, diff tooling, task naming, registry, metrics or site code', () => {
    for (const { name } of stageList) {
      const files = code(name);
      const presentational = files.filter((f) =>
        /core\/(format|progress|stage-task)\.ts$|\/bin\/|\/compare\/|\/tooling\/|\/bench\/|stages\/(registry|index)\.ts$|\/metrics\.ts$|^site\//.test(f),
      );
      expect(presentational, name).toEqual([]);
      // The runner and the stage's own folder are in it.
      expect(files).toContain('pipeline/src/runtime/run-stage.ts');
      expect(files).toContain('pipeline/src/runtime/worker.ts');
      expect(files).toContain(`pipeline/src/stages/${name}/run.ts`);
      expect(
        files.filter((f) => f.startsWith('pipeline/src/stages/') && !f.startsWith(`pipeline/src/stages/${name}/`)),
        name,
      ).toEqual([]);
    }
  });
});

describe('turbo retrains exactly the stages whose code changed', () => {
  let dir: string;
  let base: Record<string, string>;
  beforeAll(async () => {
    dir = await projectCopy();
    base = turboHashes(dir);
  });

  /** The stages turbo would retrain after appending a comment to `file` (restored afterwards). */
  function retrainedBy(file: string): string[] {
    const path = join(dir, file);
    const before = readFileSync(path, 'utf8');
    appendFileSync(path, '\n// edited by a test\n');
    try {
      return changedStages(base, turboHashes(dir));
    } finally {
      writeFileSync(path, before);
    }
  }

  it.each([
    ['pipeline/src/analysis/hessian.ts', ['flatness-sensitivity']],
    ['pipeline/src/nn/cnn.ts', ['train-on-tasks']],
    ['pipeline/src/analysis/pca.ts', ['optimization-process']],
    ['pipeline/src/core/format.ts', []],
    ['pipeline/src/core/progress.ts', []],
    ['pipeline/src/bin/stage.ts', []],
    ['pipeline/src/compare/diff.ts', []],
    ['pipeline/src/compare/comparison.ts', []],
    ['pipeline/src/stages/simulate-function/metrics.ts', []],
    ['pipeline/src/stages/registry.ts', []],
    ['site/src/lib/figures/plot.ts', []],
    ['site/src/stages/simulate-function.ts', []],
    ['content/report/1-1-simulate-function.mdx', []],
  ])('editing %s retrains %j', (file, stages) => {
    expect(retrainedBy(file)).toEqual(stages);
  });

  it('editing pipeline/package.json (a new export) retrains nothing: each stage’s task is in a package of its own', () => {
    const file = join(dir, 'pipeline/package.json');
    const before = readFileSync(file, 'utf8');
    const pkg = JSON.parse(before);
    pkg.exports['./extra'] = './src/core/format.ts';
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
    try {
      expect(changedStages(base, turboHashes(dir))).toEqual([]);
    } finally {
      writeFileSync(file, before);
    }
  });

  it('editing the runner retrains every stage', () => {
    expect(retrainedBy('pipeline/src/runtime/run-stage.ts')).toEqual(stageList.map((s) => s.name).sort());
  });

  it('an edit to the site or a page rebuilds the report', () => {
    const path = join(dir, 'site/src/lib/figures/plot.ts');
    const before = readFileSync(path, 'utf8');
    appendFileSync(path, '\n// edited by a test\n');
    try {
      expect(turboHashes(dir)['@hw1/site#report']).not.toBe(base['@hw1/site#report']);
    } finally {
      writeFileSync(path, before);
    }
  });
});
