/** Each stage's scalar metrics for npm run diff (stages/<name>/metrics.ts, loaded by compare/metrics.ts). */
import { describe, expect, it } from 'vitest';
import { loadMetrics } from '../../pipeline/src/compare/metrics.ts';
import { stageList } from '../helpers/helpers.ts';

const run = (seed: number, loss: number, accuracy: number) => ({
  seed,
  epochs: [
    { loss: 2, accuracy: 0.1 },
    { loss, accuracy },
  ],
  diverged: null,
  test: { loss: loss + 0.1, accuracy: accuracy - 0.05 },
});

describe('stage metrics', () => {
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
    const r = (seed: number, finalLoss: number | null, norms: number[]) => ({
      seed,
      diverged: finalLoss === null ? { epoch: 1, iteration: 3, value: 'NaN' } : null,
      finalLoss,
      iterations: { loss: norms, gradientNorm: norms },
    });
    const data = {
      training: { parameters: 99 },
      pca: { model: [0.6, 0.3], layer: null },
      runs: [r(1, 0.1, [1, 0.5]), r(2, 0.3, [1, 0.25]), r(3, null, [1])],
      surface: null,
    };
    const byName = new Map(m!.metrics(data as never).map((x) => [x.name, x]));
    expect(byName.get('final training loss')).toMatchObject({ value: 0.2, perSeed: [0.1, 0.3] });
    expect(byName.get('final gradient norm')!.value).toBe(0.375);
    expect(byName.get('diverged runs')!.value).toBe(1);
    expect(byName.get('PCA (model) · variance explained by PC1 and PC2')!.value).toBeCloseTo(0.9);
    expect(byName.get('PCA (layer) · variance explained by PC1 and PC2')!.value).toBeNull();
  });
});
