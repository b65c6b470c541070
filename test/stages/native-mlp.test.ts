/**
 * The fused MLP training kernel (native/src/mlp.cc through train/fused-mlp.ts,
 * the path trainRegressionEnsemble takes on wasm+onednn) against the tfjs
 * autodiff path on pure wasm: the same losses at every step and the same
 * parameters after training within float32 tolerance, for ReLU and tanh, a
 * 1-wide layer, sample counts that are not a multiple of the kernel's blocks,
 * one run and several; a diverging run frozen and reported identically; and
 * numbers that are bit-identical run to run, whatever the runs around them and
 * however the steps are split between calls. Skipped where the kernels are not
 * built.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Divergence } from '../../pipeline/src/core/divergence.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { loadAddon } from '../../pipeline/src/native/addon.ts';
import { initMlp } from '../../pipeline/src/nn/mlp.ts';
import type { MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { trainRegressionEnsemble } from '../../pipeline/src/train/ensemble.ts';
import { FusedMlpEnsemble } from '../../pipeline/src/train/fused-mlp.ts';

const built = loadAddon().addon !== null;

/** Run r's data [features, N]: inputs on [0, 1], a smooth target per output. */
function data(spec: MlpSpec, r: number, points: number): { x: number[]; y: number[] } {
  const rng = createRng(1000 + r);
  const x = Array.from({ length: spec.inputs * points }, () => rng.next());
  const y = Array.from({ length: spec.outputs * points }, (_, k) => {
    const n = k % points;
    const o = Math.floor(k / points);
    return Math.sin(5 * x[n]! + o) + (spec.inputs > 1 ? 0.5 * x[points + n]! : 0);
  });
  return { x, y };
}

interface Trained {
  losses: number[][];
  diverged: (Divergence | null)[];
  params: Float32Array[];
  /** What onEpoch saw, epoch by epoch. */
  reported: number[][];
}

interface Problem {
  spec: MlpSpec;
  runs: number[];
  points: number;
  epochs: number;
  learningRate: number;
  /** Replaces run r's targets (e.g. with ones that overflow). */
  targets?: (r: number, y: number[]) => number[];
}

async function train(backend: 'wasm' | 'wasm+onednn', p: Problem): Promise<Trained> {
  await selectBackend(backend);
  const sets = p.runs.map((r) => data(p.spec, r, p.points));
  const x = tf.tensor3d(
    sets.flatMap((s) => s.x),
    [p.runs.length, p.spec.inputs, p.points],
  );
  const y = tf.tensor3d(
    sets.flatMap((s, k) => (p.targets ? p.targets(p.runs[k]!, s.y) : s.y)),
    [p.runs.length, p.spec.outputs, p.points],
  );
  const initial = p.runs.map((r) => initMlp(p.spec, createRng(r)));
  const reported: number[][] = [];
  const before = tf.memory().numTensors;
  const results = trainRegressionEnsemble(p.spec, initial, x, y, {
    epochs: p.epochs,
    learningRate: p.learningRate,
    onEpoch: (epoch, losses) => {
      expect(epoch).toBe(reported.length + 1);
      reported.push(Array.from(losses));
    },
  });
  const trained = {
    losses: results.map((r) => r.losses),
    diverged: results.map((r) => r.diverged),
    params: results.map((r) => Float32Array.from(r.params.flatMap((t) => Array.from(t.dataSync())))),
    reported,
  };
  // Each run's parameters have mlp()'s shapes.
  for (const r of results) expect(r.params.map((t) => t.shape)).toEqual(initial[0]!.map((t) => t.shape));
  tf.dispose(results.flatMap((r) => r.params));
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose([x, y, ...initial.flat()]);
  return trained;
}

/** max|a − b| / max(max|b|, floor), where a NaN matches only a NaN (a run frozen after a NaN update has NaN parameters on both paths). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = floor;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]!) || Number.isNaN(b[i]!)) {
      if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) return Number.POSITIVE_INFINITY;
      continue;
    }
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

function expectSameTraining(fused: Trained, tfjs: Trained, tolerance: { losses: number; params: number }): void {
  expect(fused.diverged).toEqual(tfjs.diverged);
  expect(fused.reported.length).toBe(tfjs.reported.length);
  fused.losses.forEach((losses, r) => {
    expect(losses).toHaveLength(tfjs.losses[r]!.length);
    // Step by step, each loss relative to itself: the curves agree all along, not just at the end.
    for (const [k, loss] of losses.entries()) expect(Math.abs(loss - tfjs.losses[r]![k]!) / tfjs.losses[r]![k]!).toBeLessThan(tolerance.losses);
    expect(relativeError(fused.params[r]!, tfjs.params[r]!)).toBeLessThan(tolerance.params);
  });
}

describe.runIf(built)('fused MLP training (native) against tfjs autodiff (wasm)', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it.each<[string, Problem]>([
    [
      'relu 1-16-16-15-1, 3 runs',
      { spec: { inputs: 1, hidden: [16, 16, 15], outputs: 1, activation: 'relu' }, runs: [1, 2, 3], points: 256, epochs: 60, learningRate: 0.01 },
    ],
    ['relu 1-192-1, 1 run', { spec: { inputs: 1, hidden: [192], outputs: 1, activation: 'relu' }, runs: [4], points: 256, epochs: 60, learningRate: 0.003 }],
    [
      'tanh 1-6-6-1, 4 runs',
      { spec: { inputs: 1, hidden: [6, 6], outputs: 1, activation: 'tanh' }, runs: [1, 2, 3, 4], points: 64, epochs: 150, learningRate: 0.01 },
    ],
    [
      'tanh 2-5-1-4-3 (a 1-wide layer), 75 points, 2 runs',
      { spec: { inputs: 2, hidden: [5, 1, 4], outputs: 3, activation: 'tanh' }, runs: [5, 6], points: 75, epochs: 80, learningRate: 0.01 },
    ],
    [
      'relu 3-7-1-9-2 (a 1-wide layer), 13 points, 1 run',
      { spec: { inputs: 3, hidden: [7, 1, 9], outputs: 2, activation: 'relu' }, runs: [7], points: 13, epochs: 50, learningRate: 0.01 },
    ],
  ])('trains as tfjs does: %s', async (_, problem) => {
    const tfjs = await train('wasm', problem);
    const fused = await train('wasm+onednn', problem);
    expectSameTraining(fused, tfjs, { losses: 1e-5, params: 1e-5 });
    // And it trained: not a comparison of two untrained models.
    for (const losses of fused.losses) expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.9);
  });

  it('freezes a diverging run and reports it as tfjs does, the others training on', async () => {
    const spec: MlpSpec = { inputs: 1, hidden: [8, 8], outputs: 1, activation: 'relu' };
    // Run 2's squared errors sum past float32's range (Infinity at the first step) while its gradient stays finite; run 3's targets are not numbers.
    const targets = (r: number, y: number[]) => (r === 2 ? y.map(() => 3e18) : r === 3 ? y.map(() => Number.NaN) : y);
    const problem: Problem = { spec, runs: [1, 2, 3, 4], points: 64, epochs: 40, learningRate: 0.01, targets };
    const tfjs = await train('wasm', problem);
    const fused = await train('wasm+onednn', problem);
    expect(fused.diverged).toEqual([null, { epoch: 1, value: 'Infinity' }, { epoch: 1, value: 'NaN' }, null]);
    expectSameTraining(fused, tfjs, { losses: 1e-5, params: 1e-5 });
    const initial = Float32Array.from(initMlp(spec, createRng(2)).flatMap((t) => Array.from(t.dataSync())));
    for (const trained of [fused, tfjs]) {
      expect(trained.losses[1]).toEqual([]);
      expect(trained.reported.every((losses) => Number.isNaN(losses[1]) && Number.isNaN(losses[2]))).toBe(true);
      // A frozen run keeps the update of the step that diverged (one Adam step of 0.01 from its start), and no later one.
      expect(Array.from(trained.params[1]!).every(Number.isFinite)).toBe(true);
      expect(relativeError(trained.params[1]!, initial)).toBeGreaterThan(0.005);
      expect(Array.from(trained.params[1]!, (v, i) => Math.abs(v - initial[i]!)).every((d) => d < 0.0101)).toBe(true);
      expect(Array.from(trained.params[2]!).every(Number.isNaN)).toBe(true);
    }
    // The healthy runs train as if the diverging ones were not there.
    const healthy = await train('wasm+onednn', { ...problem, runs: [1, 4], targets: undefined });
    expect(fused.losses[0]).toEqual(healthy.losses[0]);
    expect(fused.losses[3]).toEqual(healthy.losses[1]);
    expect(fused.params[3]).toEqual(healthy.params[1]);
  });

  it('stops at the epoch where the last run diverges, as tfjs does', async () => {
    const spec: MlpSpec = { inputs: 1, hidden: [8, 8], outputs: 1, activation: 'relu' };
    // A learning rate this large sends every output past float32's range within a few steps.
    const problem: Problem = { spec, runs: [1, 2], points: 16, epochs: 50, learningRate: 1e8, targets: (_, y) => y.map((v) => v * 1e10) };
    const tfjs = await train('wasm', problem);
    const fused = await train('wasm+onednn', problem);
    expect(fused.diverged).toEqual(tfjs.diverged);
    expect(fused.diverged.every((d) => d !== null && d.epoch > 1)).toBe(true);
    expect(fused.reported.length).toBe(Math.max(...fused.diverged.map((d) => d!.epoch)));
    expect(fused.reported.length).toBe(tfjs.reported.length);
    for (const [r, losses] of fused.losses.entries()) expect(relativeError(losses, tfjs.losses[r]!)).toBeLessThan(1e-5);
    // Not the parameters: the diverging step's own gradient overflows here, and where a sum of huge terms overflows depends on
    // its order; the test above compares a frozen run's parameters where that step's gradient is finite.
  });

  it('stops at once when every run diverges at the first step', async () => {
    const spec: MlpSpec = { inputs: 1, hidden: [5], outputs: 1, activation: 'tanh' };
    const problem: Problem = { spec, runs: [1, 2], points: 64, epochs: 30, learningRate: 0.01, targets: (r, y) => y.map(() => (r === 1 ? 3e18 : Number.NaN)) };
    const tfjs = await train('wasm', problem);
    const fused = await train('wasm+onednn', problem);
    expect(fused.diverged).toEqual([
      { epoch: 1, value: 'Infinity' },
      { epoch: 1, value: 'NaN' },
    ]);
    expect(fused.reported).toHaveLength(1);
    expectSameTraining(fused, tfjs, { losses: 1e-5, params: 1e-5 });
  });

  it('gives bit-identical numbers run to run, and a run the same numbers whatever runs share its call', async () => {
    const problem: Problem = { spec: { inputs: 1, hidden: [8, 8], outputs: 1, activation: 'tanh' }, runs: [1, 2], points: 100, epochs: 40, learningRate: 0.01 };
    const once = await train('wasm+onednn', problem);
    const again = await train('wasm+onednn', problem);
    expect(again).toEqual(once);
    const many = await train('wasm+onednn', { ...problem, runs: [3, 1, 2, 4, 5] });
    const alone = await train('wasm+onednn', { ...problem, runs: [2] });
    expect(many.losses[1]).toEqual(once.losses[0]);
    expect(many.params[2]).toEqual(once.params[1]);
    expect(alone.losses[0]).toEqual(once.losses[1]);
    expect(alone.params[0]).toEqual(once.params[1]);
  });

  it('gives the same numbers however the steps are split between calls', async () => {
    await selectBackend('wasm+onednn');
    const spec: MlpSpec = { inputs: 1, hidden: [10, 10], outputs: 1, activation: 'relu' };
    const { x, y } = data(spec, 1, 40);
    const initial = [initMlp(spec, createRng(1))];
    const make = () => new FusedMlpEnsemble(loadAddon().addon!, spec, initial, Float32Array.from(x), Float32Array.from(y), 40, 0.01, 30);
    const whole = make();
    const all = Array.from(whole.train(30));
    const split = make();
    const parts = [7, 1, 22].flatMap((k) => Array.from(split.train(k)));
    expect(parts).toEqual(all);
    const [a, b] = [whole.params(0), split.params(0)];
    for (const [i, t] of a.entries()) expect(t.dataSync()).toEqual(b[i]!.dataSync());
    tf.dispose([...a, ...b, ...initial.flat()]);
  });
});
