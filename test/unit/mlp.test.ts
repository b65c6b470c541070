/** Fully connected networks (nn/mlp.ts, nn/mlp-shape.ts, nn/params.ts): counts, initialisation, arithmetic, θ as one vector, the configured models. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadStageConfig, profiles } from '../../pipeline/src/core/config.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { initMlp, mlp } from '../../pipeline/src/nn/mlp.ts';
import { layerTable, type MlpSpec, parameterCount } from '../../pipeline/src/nn/mlp-shape.ts';
import { flattenParams, unflatten } from '../../pipeline/src/nn/params.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { spec as simulateFunction } from '../../pipeline/src/stages/simulate-function/spec.ts';

describe('fully connected models', () => {
  it('counts parameters layer by layer', () => {
    const spec = { inputs: 1, outputs: 1, hidden: [192], activation: 'relu' as const };
    expect(parameterCount(spec)).toBe(1 * 192 + 192 + 192 * 1 + 1);
    expect(layerTable(spec).map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [1, 192, 'relu'],
      [192, 1, 'linear'],
    ]);
  });

  it('initialises tensors whose sizes add up to the parameter count', async () => {
    await selectBackend('cpu');
    const spec = { inputs: 1, outputs: 1, hidden: [16, 16, 15], activation: 'relu' as const };
    const params = initMlp(spec, createRng(1));
    expect(params.reduce((s, p) => s + p.size, 0)).toBe(parameterCount(spec));
    const y = mlp(params, tf.zeros([4, 1]) as tf.Tensor2D, 'relu');
    expect(y.shape).toEqual([4, 1]);
    tf.dispose([...params, y]);
  });

  it('computes the network by hand-checkable arithmetic', async () => {
    await selectBackend('cpu');
    // y = w2·relu(w1·x + b1) + b2 with w1 = [1, −1], b1 = [0, 1], w2 = [2, 3], b2 = 0.5
    const params = [tf.tensor2d([[1, -1]]), tf.tensor1d([0, 1]), tf.tensor2d([[2], [3]]), tf.tensor1d([0.5])];
    const y = mlp(params, tf.tensor2d([[0.5], [2]]), 'relu');
    // x = 0.5: relu([0.5, 0.5]) → 2·0.5 + 3·0.5 + 0.5 = 3; x = 2: relu([2, −1]) → 4 + 0 + 0.5 = 4.5
    expect(Array.from(y.dataSync())).toEqual([3, 4.5]);
    tf.dispose([...params, y]);
  });

  for (const profile of profiles) {
    it(`the configured models (${profile}) have parameter counts within 2% and different depths`, () => {
      const { config } = loadStageConfig(simulateFunction, profile, {});
      expect(config.models.length).toBeGreaterThanOrEqual(3);
      const counts = config.models.map((m) => parameterCount({ inputs: 1, outputs: 1, hidden: m.hidden, activation: config.activation }));
      expect((Math.max(...counts) - Math.min(...counts)) / Math.min(...counts)).toBeLessThanOrEqual(0.02);
      expect(new Set(config.models.map((m) => m.hidden.length)).size).toBe(config.models.length);
      expect(config.functions).toEqual(expect.arrayContaining(['sinc', 'sign']));
    });
  }
});

describe('parameters as one vector θ', () => {
  it('recovers the MLP parameters from θ in order [W1, b1, …]', async () => {
    await selectBackend('cpu');
    const spec: MlpSpec = { inputs: 1, hidden: [4, 3], outputs: 1, activation: 'relu' };
    const params = initMlp(spec, createRng(3));
    const theta = flattenParams(params);
    const parts = unflatten(theta, spec);
    expect(parts.map((p) => p.shape)).toEqual(params.map((p) => p.shape));
    for (const [i, p] of parts.entries()) expect(Array.from(p.dataSync())).toEqual(Array.from(params[i]!.dataSync()));
    expect(() => unflatten(tf.zeros([3]) as tf.Tensor1D, spec)).toThrow(/3 entries/);
    tf.dispose([...params, theta, ...parts]);
  });
});
