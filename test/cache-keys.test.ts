import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeHash, hashJson, importClosure } from '../pipeline/src/hash.ts';
import { stageModule } from '../pipeline/src/stage.ts';
import { stageList as stages } from '../pipeline/src/stages/index.ts';
import { root } from './helpers.ts';

interface Task {
  inputs?: string[];
  outputs?: string[];
  env?: string[];
  dependsOn?: string[];
}
const turbo = JSON.parse(readFileSync(join(root, 'turbo.json'), 'utf8')) as { globalEnv?: string[]; tasks: Record<string, Task> };

describe('cache keys', () => {
  for (const stage of stages) {
    describe(`stage ${stage.name}`, () => {
      const task = turbo.tasks[`@hw1/pipeline#stage:${stage.name}`];

      it('is a turbo task the report depends on', () => {
        expect(task).toBeDefined();
        expect(turbo.tasks['@hw1/site#report']!.dependsOn).toContain(`@hw1/pipeline#stage:${stage.name}`);
        const scripts = JSON.parse(readFileSync(join(root, 'pipeline/package.json'), 'utf8')).scripts as Record<string, string>;
        expect(scripts[`stage:${stage.name}`]).toBe(`node src/cli.ts ${stage.name}`);
      });

      it('declares every module its code imports, its config, profile and backend as inputs', () => {
        const code = new Set([...importClosure(join(root, 'pipeline/src/cli.ts')), ...importClosure(stageModule(stage.name))]);
        const declared = new Set(task!.inputs);
        for (const file of code) expect(declared, `turbo.json inputs of stage:${stage.name}`).toContain(relative(join(root, 'pipeline'), file));
        // Loaded by URL (a worker thread's entry), so no import statement leads to it.
        expect(declared).toContain('src/run-worker.ts');
        expect(declared).toContain(`$TURBO_ROOT$/content/experiments/${stage.name}.yaml`);
        expect(declared).toContain('$TURBO_ROOT$/node_modules/@tensorflow/tfjs-node-gpu/package.json');
        expect(turbo.globalEnv).toContain('HW1_PROFILE');
        expect(task!.env).toContain('HW1_BACKEND');
        expect(task!.outputs).toEqual([`$TURBO_ROOT$/cache/artifacts/${stage.name}/**`]);
      });
    });
  }

  it('follows relative imports, skipping type-only ones', () => {
    const files = importClosure(stageModule('simulate-function')).map((f) => relative(root, f));
    expect(files).toContain('pipeline/src/train.ts');
    expect(files).toContain('pipeline/src/stages/simulate-function.schema.ts');
    expect(files).not.toContain('pipeline/src/run-stage.ts');
    expect(codeHash(stageModule('simulate-function'))).toMatch(/^[0-9a-f]{16}$/);
  });

  it('hashes configs independently of key order', () => {
    expect(hashJson({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(hashJson({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(hashJson({ a: 1 })).not.toBe(hashJson({ a: 2 }));
  });
});
