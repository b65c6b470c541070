/**
 * Every stage's turbo task (turbo.json, written by npm run sync): it exists,
 * the report depends on it, its own package's one script runs
 * `pipeline/src/bin/stage.ts <name>` with the pipeline's dependencies, and its
 * inputs cover exactly what a stage's results can depend on: the code of
 * core/hash.ts stageCode (its run module, the runner and their imports), its
 * config, the backend and the datasets its spec declares. Plus the hashing
 * itself: the import closure, and configs hashed independently of key order.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashJson, importClosure, stageCode, stageCodeHash } from '../../pipeline/src/core/hash.ts';
import { stageFile } from '../../pipeline/src/core/paths.ts';
import { stageTask } from '../../pipeline/src/core/stage-task.ts';
import { datasetEnv } from '../../pipeline/src/data/datasets.ts';
import { root, stageList } from '../helpers/helpers.ts';

interface Task {
  inputs?: string[];
  outputs?: string[];
  env?: string[];
  dependsOn?: string[];
}
const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8')) as { globalEnv?: string[]; tasks: Record<string, Task> };
const packageJson = (dir: string) => JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
const pipelinePackage = packageJson('pipeline');
const fromRoot = (file: string) => `$TURBO_ROOT$/${relative(root, file)}`;

/** Whether a turbo input names the file: the file itself, or `dir/**` above it. */
const covers = (input: string, file: string) => input === file || (input.endsWith('/**') && file.startsWith(input.slice(0, -2)));

describe('cache keys', () => {
  for (const stage of stageList) {
    describe(`stage ${stage.name}`, () => {
      const { id, dir, package: name } = stageTask(stage.name);
      const task = turbo.tasks[id];

      it('is a turbo task the report depends on, run by the stage command in its own package', () => {
        expect(task).toBeDefined();
        expect(turbo.tasks['@hw1/site#report']!.dependsOn).toContain(id);
        const own = packageJson(dir);
        expect(own.name).toBe(name);
        expect(own.scripts).toEqual({ [`stage:${stage.name}`]: `node ../../pipeline/src/bin/stage.ts ${stage.name}` });
        // The code it runs imports the pipeline's dependencies: their versions are in its key through them.
        expect(own.dependencies).toEqual(pipelinePackage.dependencies);
        expect(own.optionalDependencies).toEqual(pipelinePackage.optionalDependencies);
        expect(Object.keys(pipelinePackage.scripts).filter((s) => s.startsWith('stage:'))).toEqual([]);
      });

      it('declares every module of its code, its config, profile, backend and datasets as inputs', () => {
        const inputs = task!.inputs ?? [];
        for (const file of stageCode(stage.name).map(fromRoot)) {
          expect(
            inputs.some((input) => covers(input, file)),
            `turbo.json inputs of stage:${stage.name} miss ${file}`,
          ).toBe(true);
        }
        // The worker thread's entry is loaded by URL, so no import statement leads to it: it is in the key anyway.
        expect(inputs.some((input) => covers(input, '$TURBO_ROOT$/pipeline/src/runtime/worker.ts'))).toBe(true);
        expect(inputs).toContain(`$TURBO_ROOT$/content/experiments/${stage.name}.yaml`);
        expect(inputs).toContain('$TURBO_ROOT$/node_modules/@tensorflow/tfjs-node-gpu/package.json');
        expect(inputs).toEqual(expect.arrayContaining(['$TURBO_ROOT$/pipeline/native/src/**', '$TURBO_ROOT$/pipeline/native/build/status.json']));
        for (const d of stage.datasets) {
          expect(inputs).toContain(`$TURBO_ROOT$/cache/datasets/${d}/**`);
          for (const v of datasetEnv[d as keyof typeof datasetEnv]) expect(task!.env).toContain(v);
        }
        expect(turbo.globalEnv).toContain('HW1_PROFILE');
        expect(task!.env).toContain('HW1_BACKEND');
        expect(task!.outputs).toEqual([`$TURBO_ROOT$/cache/artifacts/${stage.name}/**`]);
      });

      it('keeps the command line, progress output and number formatting out of its key', () => {
        const inputs = task!.inputs ?? [];
        for (const file of ['src/bin/stage.ts', 'src/core/progress.ts', 'src/core/format.ts']) {
          expect(
            inputs.some((input) => covers(input, `$TURBO_ROOT$/pipeline/${file}`)),
            `${file} in the inputs of stage:${stage.name}`,
          ).toBe(false);
        }
      });
    });
  }

  it('follows relative imports, skipping type-only ones', () => {
    const files = stageCode('simulate-function').map((f) => relative(root, f));
    expect(files).toContain('pipeline/src/train/regression.ts');
    expect(files).toContain('pipeline/src/stages/simulate-function/spec.ts');
    expect(files).toContain('pipeline/src/runtime/run-stage.ts');
    expect(files).toContain('pipeline/src/runtime/worker.ts');
    expect(files).not.toContain('pipeline/src/bin/stage.ts');
    expect(files).not.toContain('pipeline/src/core/progress.ts');
    expect(files).not.toContain('pipeline/src/core/format.ts');
    // run-stage.ts imports Logger and StageContext as types only.
    expect(importClosure(join(root, 'pipeline/src/core/stage.ts')).map((f) => relative(root, f))).toEqual(['pipeline/src/core/stage.ts']);
    expect(stageCodeHash('simulate-function')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps every stage’s metrics out of its import closure (its cache key)', () => {
    for (const { name } of stageList) {
      const files = stageCode(name).map((f) => relative(root, f));
      expect(
        files.filter((f) => f.endsWith('metrics.ts')),
        name,
      ).toEqual([]);
      expect(files).not.toContain(relative(root, stageFile(name, 'metrics')));
    }
  });

  it('hashes configs independently of key order', () => {
    expect(hashJson({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hashJson({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: 2 }));
  });
});
