/** compare/inputs.ts: what a stage's inputs changed between two checkouts, field by field and file by file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Comparison, compareStage, inputLines, toMarkdown, toText } from '../../pipeline/src/compare/comparison.ts';
import { configFieldChanges, configLeaves, stageCodeChanges } from '../../pipeline/src/compare/inputs.ts';
import { stageOfTask, stageTask, stageTaskIds } from '../../pipeline/src/core/stage-task.ts';
import { tempDir } from '../helpers/helpers.ts';

describe('what the inputs changed', () => {
  it('flattens a config to its fields, a list of plain values being one field', () => {
    const leaves = configLeaves({ epochs: 6000, models: [{ name: 'shallow', hidden: [192] }], profiles: { quick: { seeds: [1, 2] } } });
    expect(Object.fromEntries(leaves)).toEqual({ epochs: '6000', 'models[0].name': 'shallow', 'models[0].hidden': '[192]', 'profiles.quick.seeds': '[1, 2]' });
  });

  it('lists the config fields that differ with both values, profile overrides included', () => {
    const base = 'epochs: 6000\nseeds: [1, 2, 3]\nprofiles:\n  quick:\n    epochs: 600\n';
    const head = 'epochs: 6000\nseeds: [1, 2, 3, 4]\nlearningRate: 0.01\nprofiles:\n  quick:\n    epochs: 200\n';
    expect(configFieldChanges(base, head)).toEqual([
      { path: 'learningRate', base: null, head: '0.01' },
      { path: 'profiles.quick.epochs', base: '600', head: '200' },
      { path: 'seeds', base: '[1, 2, 3]', head: '[1, 2, 3, 4]' },
    ]);
    expect(configFieldChanges(base, base)).toEqual([]);
    expect(configFieldChanges(base, 'epochs: [unclosed')).toEqual([{ path: '(the whole file)', base: 'readable', head: 'not valid YAML' }]);
  });

  it('lists the code files of the stage’s cache key whose content differs, or that one side lacks, across the two layouts of turbo.json', () => {
    // The base ran its stages in @hw1/pipeline (inputs relative to pipeline/), the head in the stages' own packages.
    const layouts = {
      pipeline: { id: '@hw1/pipeline#stage:s', written: (f: string) => f, more: ['!package.json'] },
      own: { id: stageTask('s').id, written: (f: string) => `$TURBO_ROOT$/pipeline/${f}`, more: [] as string[] },
    };
    const side = (files: Record<string, string>, inputs: string[], layout: keyof typeof layouts) => {
      const { id, written, more } = layouts[layout];
      const dir = tempDir();
      writeFileSync(
        join(dir, 'turbo.json'),
        JSON.stringify({ tasks: { [id]: { inputs: [...inputs.map(written), '$TURBO_ROOT$/content/experiments/s.yaml', ...more] } } }),
      );
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(join(dir, 'pipeline', f, '..'), { recursive: true });
        writeFileSync(join(dir, 'pipeline', f), text);
      }
      return dir;
    };
    const base = side(
      { 'src/a.ts': 'a', 'src/b.ts': 'b', 'src/gone.ts': 'g', 'src/runtime/pool.ts': 'p', 'src/runtime/deep/k.ts': 'k' },
      ['src/a.ts', 'src/b.ts', 'src/gone.ts', 'src/runtime/**'],
      'pipeline',
    );
    const head = side(
      { 'src/a.ts': 'a', 'src/b.ts': 'b2', 'src/new.ts': 'n', 'src/runtime/pool.ts': 'p', 'src/runtime/deep/k.ts': 'k2' },
      ['src/a.ts', 'src/b.ts', 'src/new.ts', 'src/runtime/**'],
      'own',
    );
    expect(stageCodeChanges(base, head, 's')).toEqual([
      { file: 'src/b.ts', change: 'changed' },
      { file: 'src/gone.ts', change: 'removed' },
      { file: 'src/new.ts', change: 'added' },
      { file: 'src/runtime/deep/k.ts', change: 'changed' },
    ]);
  });

  it('reads the stage off a task id in either layout, and nothing off another task', () => {
    expect(stageOfTask(stageTask('minimal-ratio').id)).toBe('minimal-ratio');
    expect(stageOfTask('@hw1/pipeline#stage:minimal-ratio')).toBe('minimal-ratio');
    expect(stageOfTask('stage:minimal-ratio')).toBe('minimal-ratio');
    expect(stageOfTask('@hw1/site#report')).toBeUndefined();
    expect(stageTaskIds('x').map(stageOfTask)).toEqual(['x', 'x', 'x']);
  });

  it('says them in the Markdown and the terminal summary', () => {
    const manifest = (configHash: string) => ({ configHash, codeHash: 'c', data: {}, wallTimeSeconds: 1 }) as never;
    const side = (hash: string) => ({ status: 'ran' as const, manifest: manifest(hash), metrics: [], note: null });
    const s = compareStage('s', 'Stage S', side('x'), side('y'), {
      configFields: [{ path: 'profiles.quick.epochs', base: '600', head: '200' }],
      codeFiles: [{ file: 'src/nn/mlp.ts', change: 'changed' }],
    });
    expect(inputLines(s)).toEqual(['config `profiles.quick.epochs`: `600` → `200`', 'code `pipeline/src/nn/mlp.ts` changed']);
    const c: Comparison = {
      version: 1,
      profile: 'quick',
      base: { rev: 'main', commit: 'a'.repeat(40), label: 'base', artifacts: '/x' },
      head: { rev: null, commit: 'b'.repeat(40), label: 'head', artifacts: '/y' },
      stages: [s],
    };
    expect(toMarkdown(c)).toContain('- config `profiles.quick.epochs`: `600` → `200`\n- code `pipeline/src/nn/mlp.ts` changed');
    expect(toText(c)).toContain('        config profiles.quick.epochs: 600 → 200\n        code pipeline/src/nn/mlp.ts changed');
  });
});
