/** Scalar metrics for `npm run diff`: the registry, each stage's metrics, the comparison and its Markdown, and the compare-mode plot helpers. */
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareStage, diffMetrics, formatDelta, formatValue, orderStages, toMarkdown, type Comparison } from '../pipeline/src/comparison.ts';
import { importClosure } from '../pipeline/src/hash.ts';
import { loadMetrics, type Metric } from '../pipeline/src/metrics.ts';
import { stageModule } from '../pipeline/src/stage.ts';
import { sideBySide, sideMarks, sidesLegend } from '../site/src/lib/plot.ts';
import { root, stageList } from './helpers.ts';

const run = (seed: number, loss: number, accuracy: number) => ({ seed, epochs: [{ loss: 2, accuracy: 0.1 }, { loss, accuracy }], diverged: null, test: { loss: loss + 0.1, accuracy: accuracy - 0.05 } });

describe('stage metrics', () => {
  it('stay out of every stage’s import closure (its cache key)', () => {
    for (const { name } of stageList) {
      const files = importClosure(stageModule(name)).map((f) => relative(root, f));
      expect(files.filter((f) => f.endsWith('metrics.ts')), name).toEqual([]);
    }
  });

  it('exist for every stage', async () => {
    for (const { name } of stageList) expect(await loadMetrics(name), name).not.toBeNull();
    expect(await loadMetrics('no-such-stage')).toBeNull();
  });

  it('train-on-tasks: medians over seeds with each seed kept; nothing for a missing dataset', async () => {
    const m = await loadMetrics('train-on-tasks');
    const data = {
      tasks: [
        { id: 'mnist', missing: null, models: [{ name: 'cnn-2', parameters: 1234, runs: [run(1, 0.5, 0.8), run(2, 0.3, 0.9), run(3, 0.4, 0.85)] }] },
        { id: 'cifar10', missing: { message: 'not installed' }, models: [{ name: 'cnn-2', parameters: 1500, runs: [] }] },
      ],
    };
    const list = m!.metrics(data as never);
    const byName = new Map(list.map((x) => [x.name, x]));
    expect(byName.get('mnist · cnn-2 · final training loss')).toMatchObject({ value: 0.4, perSeed: [0.5, 0.3, 0.4], format: 'sci', better: 'lower' });
    expect(byName.get('mnist · cnn-2 · test accuracy')!.value).toBeCloseTo(0.8);
    expect(byName.get('mnist · cnn-2 · parameters')!.value).toBe(1234);
    expect(list.some((x) => x.name.startsWith('cifar10'))).toBe(false);
  });

  it('optimization-process: final loss and gradient norm over the runs that did not diverge', async () => {
    const m = await loadMetrics('optimization-process');
    const r = (seed: number, finalLoss: number | null, norms: number[]) => ({ seed, diverged: finalLoss === null ? { epoch: 1, iteration: 3, value: 'NaN' } : null, finalLoss, iterations: { loss: norms, gradientNorm: norms } });
    const data = { training: { parameters: 99 }, pca: { model: [0.6, 0.3], layer: null }, runs: [r(1, 0.1, [1, 0.5]), r(2, 0.3, [1, 0.25]), r(3, null, [1])], surface: null };
    const byName = new Map(m!.metrics(data as never).map((x) => [x.name, x]));
    expect(byName.get('final training loss')).toMatchObject({ value: 0.2, perSeed: [0.1, 0.3] });
    expect(byName.get('final gradient norm')!.value).toBe(0.375);
    expect(byName.get('diverged runs')!.value).toBe(1);
    expect(byName.get('PCA (model) · variance explained by PC1 and PC2')!.value).toBeCloseTo(0.9);
    expect(byName.get('PCA (layer) · variance explained by PC1 and PC2')!.value).toBeNull();
  });
});

const metric = (name: string, value: number | null, perSeed?: number[]): Metric => ({ name, value, format: 'sci', better: 'lower', ...(perSeed ? { perSeed } : {}) });

describe('comparison', () => {
  it('marks changes, puts them first and tells a change beyond the seed spread from one within it', () => {
    const rows = diffMetrics(
      [metric('same', 1, [0.9, 1.1]), metric('small', 1, [0.8, 1.2]), metric('big', 1, [0.95, 1.05]), metric('gone', 2)],
      [metric('same', 1, [0.9, 1.1]), metric('small', 1.1, [0.9, 1.3]), metric('big', 2, [1.9, 2.1]), metric('new', 3)],
    );
    expect(rows.map((r) => r.name)).toEqual(['small', 'big', 'new', 'gone', 'same']);
    const by = new Map(rows.map((r) => [r.name, r]));
    expect(by.get('small')).toMatchObject({ changed: true, beyondSpread: false });
    expect(by.get('big')).toMatchObject({ changed: true, beyondSpread: true, delta: 1 });
    expect(by.get('same')).toMatchObject({ changed: false, beyondSpread: null });
    expect(by.get('new')).toMatchObject({ base: null, head: 3, changed: true });
    expect(formatDelta(by.get('big')!)).toBe('+100.0%');
    expect(formatValue(0.000321, 'sci')).toBe('3.21×10⁻⁴');
    expect(formatValue(0.9731, 'percent')).toBe('97.31%');
  });

  it('lists changed stages first, in Markdown too', () => {
    const manifest = (configHash: string) => ({ configHash, codeHash: 'c', data: {}, wallTimeSeconds: 1 }) as never;
    const same = compareStage('a', 'Stage A', { status: 'replayed', manifest: manifest('x'), metrics: [metric('m', 1)], note: null }, { status: 'replayed', manifest: manifest('x'), metrics: [metric('m', 1)], note: null });
    const changed = compareStage('b', 'Stage B', { status: 'replayed', manifest: manifest('x'), metrics: [metric('m', 1)], note: null }, { status: 'ran', manifest: manifest('y'), metrics: [metric('m', 2)], note: null });
    expect(same.changed).toBe(false);
    expect(changed.changes.config).toBe(true);
    const c: Comparison = {
      version: 1,
      profile: 'quick',
      base: { rev: 'main', commit: 'a'.repeat(40), label: 'base main (aaaaaaa)', artifacts: '/x' },
      head: { rev: null, commit: 'b'.repeat(40), label: 'head working tree (bbbbbbb)', artifacts: '/y' },
      stages: orderStages([same, changed]),
    };
    const md = toMarkdown(c);
    expect(md.indexOf('`b`')).toBeLessThan(md.indexOf('`a`'));
    expect(md).toContain('| m | 1.00 | 2.00 | +100.0% (worse) |');
    expect(md).toMatch(/Unchanged: `a`/);
  });
});

describe('compare-mode plot helpers', () => {
  it('leave the head (and so a normal build) untouched and style the base', () => {
    const o = { x: 'x', y: 'y', stroke: 'model', strokeWidth: 1.75, ariaDescription: 'median per model' };
    expect(sideMarks({ side: 'head' }).line(o)).toBe(o);
    expect(sideMarks({ side: 'base' }).line(o)).toMatchObject({ strokeDasharray: '5 3', ariaDescription: 'median per model (base)' });
    expect(sideMarks({ side: 'base' }).dot({ fill: 'model' })).toMatchObject({ fill: 'none', stroke: 'model' });
    expect(sidesLegend([{ side: 'head', label: '' }])).toBe('');
    expect(sidesLegend([{ side: 'base', label: 'base main' }, { side: 'head', label: 'head <x>' }])).toMatch(/head &lt;x&gt;.*base main/);
    expect(sideBySide([{ side: 'head', label: '', svg: '<svg/>' }])).toBe('<svg/>');
  });
});
