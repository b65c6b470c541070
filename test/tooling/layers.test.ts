/**
 * The architecture holds: imports point down the layers declared in
 * .dependency-cruiser.cjs (checked by dependency-cruiser), and what the site
 * loads of the pipeline, and every stage's spec, loads no TensorFlow.js.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importClosure } from '../../pipeline/src/core/hash.ts';
import { stageFile } from '../../pipeline/src/core/paths.ts';
import { root, stageList } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

function cruise(dir: string): Violation[] {
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs'),
      'pipeline/src',
      'site/src',
      'site/scripts',
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'json',
    ],
    {
      cwd: dir,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  if (!r.stdout.startsWith('{')) throw new Error(`dependency-cruiser failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layers', () => {
  it('no import goes against the declared direction', () => {
    expect(cruise(root).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('catches one that does (core importing a model, one stage importing another, the site reaching past the exports, the site library importing a stage, a view reading artifacts)', async () => {
    const dir = await projectCopy();
    const add = (file: string, line: string) => writeFileSync(join(dir, file), `${line}\n${readFileSync(join(dir, file), 'utf8')}`);
    add('pipeline/src/core/random.ts', "import '../nn/mlp.ts';");
    add('pipeline/src/stages/minimal-ratio/run.ts', "import '../simulate-function/run.ts';");
    add('site/src/lib/figures/figure.ts', "import '../../../../pipeline/src/core/hash.ts';");
    add('site/src/lib/figures/bands.ts', "import '../../stages/random-labels.ts';");
    add('site/src/stages/minimal-ratio.ts', "import '../lib/data/artifacts.ts';");
    const rules = cruise(dir).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(rules).toContain('layer-core: pipeline/src/core/random.ts → pipeline/src/nn/mlp.ts');
    expect(rules).toContain('stage-to-other-stage: pipeline/src/stages/minimal-ratio/run.ts → pipeline/src/stages/simulate-function/run.ts');
    expect(rules).toContain('site-through-exports: site/src/lib/figures/figure.ts → pipeline/src/core/hash.ts');
    expect(rules).toContain('site-lib-below-stages: site/src/lib/figures/bands.ts → site/src/stages/random-labels.ts');
    expect(rules).toContain('site-views-pure: site/src/stages/minimal-ratio.ts → site/src/lib/data/artifacts.ts');
  });
});

/** Files in the closure (runtime imports only) that import TensorFlow.js. */
function tfjsIn(entries: string[]): string[] {
  return importClosure(...entries)
    .filter((f) => /^\s*import\s[^;]*?['"]@tensorflow\//m.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));
}

describe('the site/pipeline boundary', () => {
  const exportsMap = JSON.parse(readFileSync(join(root, 'pipeline/package.json'), 'utf8')).exports as Record<string, string>;

  it('exports only what the site needs: stage specs and artifacts, the comparison, the history entry (and its summary of a build), formatting, statistics (and the findings’ rank statistics), errors, the command-line reader, paths and safe output directories', () => {
    expect(Object.keys(exportsMap).sort()).toEqual([
      './cli',
      './comparison',
      './errors',
      './format',
      './history',
      './history-entry',
      './output',
      './paths',
      './rank-stats',
      './stages',
      './stats',
    ]);
  });

  it('loads no TensorFlow.js from anything the site imports, nor from any stage spec', () => {
    const entries = Object.values(exportsMap).map((p) => join(root, 'pipeline', p));
    expect(tfjsIn(entries)).toEqual([]);
    for (const { name } of stageList) expect(tfjsIn([stageFile(name, 'spec')]), name).toEqual([]);
  });

  it('would see TensorFlow.js if it were there (a run module loads it)', () => {
    expect(tfjsIn([stageFile('simulate-function', 'run')])).toContain('pipeline/src/nn/mlp.ts');
  });
});
