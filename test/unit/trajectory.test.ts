/** train/trajectory.ts: the training loop that records snapshots, the loss and the full gradient norm per step. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientOf } from '../../pipeline/src/analysis/hessian.ts';
import { mlpLoss } from '../../pipeline/src/analysis/losses.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { initMlp, mlp } from '../../pipeline/src/nn/mlp.ts';
import type { MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';
import { flattenParams } from '../../pipeline/src/nn/params.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { type TrajectoryOptions, trainWithTrajectory } from '../../pipeline/src/train/trajectory.ts';

describe('training with a recorded trajectory', () => {
  const spec: MlpSpec = { inputs: 1, hidden: [6, 5], outputs: 1, activation: 'relu' };
  const model = (p: readonly tf.Tensor[], x: tf.Tensor2D) => mlp(p, x, 'relu');
  const data = () => {
    const xs = Array.from({ length: 40 }, (_, i) => i / 39);
    return {
      x: tf.tensor2d(xs, [40, 1]),
      y: tf.tensor2d(
        xs.map((t) => Math.sin(6 * t)),
        [40, 1],
      ),
    };
  };
  const options = (seed: number): TrajectoryOptions => ({
    epochs: 7,
    batchSize: 16,
    recordEvery: 3,
    optimizer: 'adam',
    learningRate: 0.01,
    shuffle: createRng(seed),
  });

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('records snapshots on the cycle and one loss and gradient norm per step', () => {
    const { x, y } = data();
    const initial = initMlp(spec, createRng(1));
    const run = trainWithTrajectory(model, initial, x, y, options(1));
    expect(run.snapshotEpochs).toEqual([0, 3, 6, 7]);
    expect(run.snapshots.map((s) => s.length)).toEqual([4, 4, 4, 4].map(() => 2 * 6 + 6 * 5 + 5 + 5 + 1));
    expect(run.iterationLoss).toHaveLength(7 * 3);
    expect(run.gradientNorm).toHaveLength(7 * 3);
    expect(run.diverged).toBeNull();
    expect([...run.snapshots[0]!]).toEqual([...flattenParams(initial).dataSync()]);
    tf.dispose([x, y, ...initial]);
  });

  it('measures the L2 norm of the full gradient', () => {
    const { x, y } = data();
    const initial = initMlp(spec, createRng(2));
    // One full batch: the first step's gradient is the gradient of the loss at the initial parameters.
    const run = trainWithTrajectory(model, initial, x, y, { ...options(2), batchSize: 40, epochs: 1 });
    const theta = flattenParams(initial);
    const g = gradientOf(mlpLoss(spec, x, y), theta);
    const expected = Math.hypot(...g.dataSync());
    expect(run.gradientNorm[0]!).toBeCloseTo(expected, 5);
    expect(run.iterationLoss[0]!).toBeCloseTo(
      tf.tidy(() => mlpLoss(spec, x, y)(theta).dataSync()[0]!),
      6,
    );
    tf.dispose([x, y, theta, g, ...initial]);
  });

  it('leaves no tensors behind over several runs', () => {
    const { x, y } = data();
    const counts: number[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const initial = initMlp(spec, createRng(seed));
      trainWithTrajectory(model, initial, x, y, options(seed));
      tf.dispose(initial);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, y]);
  });

  it('stops a diverging run and keeps only finite values', () => {
    const { x, y } = data();
    const initial = initMlp(spec, createRng(3));
    const run = trainWithTrajectory(model, initial, x, y, { ...options(3), optimizer: 'sgd', learningRate: 1e8, epochs: 50 });
    expect(run.diverged).not.toBeNull();
    expect(run.diverged!.iteration).toBe(run.iterationLoss.length + 1);
    expect([...run.iterationLoss, ...run.gradientNorm].every(Number.isFinite)).toBe(true);
    tf.dispose([x, y, ...initial]);
  });
});
