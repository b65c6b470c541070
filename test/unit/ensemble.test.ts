/**
 * Batched ensembles (nn/ensemble.ts, train/ensemble.ts): R runs of one
 * architecture trained as one model must be the same science as the same runs
 * trained one at a time: the same forward pass, the same training (final loss
 * within 1e-4 relative after a fixed number of steps), a run's numbers
 * independent of its companions, and a diverging run frozen and reported while
 * the others go on.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../pipeline/src/core/random.ts';
import { ensembleMlp, memberParams, stackMlps } from '../../pipeline/src/nn/ensemble.ts';
import { initMlp, mlp } from '../../pipeline/src/nn/mlp.ts';
import type { Activation, MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { ensembleProgress, trainRegressionEnsemble } from '../../pipeline/src/train/ensemble.ts';
import { trainRegression } from '../../pipeline/src/train/regression.ts';

const points = 48;

/** Run r's data: its own inputs on [0, 1] and a smooth target. */
function data(spec: MlpSpec, r: number): { xs: number[]; ys: number[] } {
  const rng = createRng(1000 + r);
  const xs = Array.from({ length: points * spec.inputs }, () => rng.next());
  const ys = Array.from({ length: points * spec.outputs }, (_, k) => Math.sin(5 * xs[(k * spec.inputs) % xs.length]! + (k % spec.outputs)));
  return { xs, ys };
}

/** Several runs' data in the ensemble's layout [R, features, N]. */
function stacked(spec: MlpSpec, runs: number[]): { x: tf.Tensor3D; y: tf.Tensor3D } {
  const sets = runs.map((r) => data(spec, r));
  const columns = (values: number[], features: number) =>
    Array.from({ length: features * points }, (_, k) => values[(k % points) * features + Math.floor(k / points)]!);
  return {
    x: tf.tensor3d(
      sets.flatMap((s) => columns(s.xs, spec.inputs)),
      [runs.length, spec.inputs, points],
    ),
    y: tf.tensor3d(
      sets.flatMap((s) => columns(s.ys, spec.outputs)),
      [runs.length, spec.outputs, points],
    ),
  };
}

function trainAlone(spec: MlpSpec, r: number, epochs: number, learningRate: number) {
  const { xs, ys } = data(spec, r);
  const x = tf.tensor2d(xs, [points, spec.inputs]);
  const y = tf.tensor2d(ys, [points, spec.outputs]);
  const initial = initMlp(spec, createRng(r));
  const result = trainRegression((p, input) => mlp(p, input, spec.activation), initial, x, y, { epochs, learningRate });
  tf.dispose([x, y, ...initial, ...result.params]);
  return result.losses;
}

function trainTogether(spec: MlpSpec, runs: number[], epochs: number, learningRate: number, ys?: (y: tf.Tensor3D) => tf.Tensor3D) {
  const { x, y } = stacked(spec, runs);
  const target = ys ? ys(y) : y;
  const initial = runs.map((r) => initMlp(spec, createRng(r)));
  const results = trainRegressionEnsemble(spec, initial, x, target, { epochs, learningRate });
  tf.dispose([x, y, target, ...initial.flat()]);
  return results;
}

describe('batched ensembles of MLPs', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('stack and unstack parameters exactly', () => {
    const spec: MlpSpec = { inputs: 3, hidden: [5, 4], outputs: 2, activation: 'relu' };
    const runs = [1, 2, 3].map((r) => initMlp(spec, createRng(r)));
    const together = stackMlps(runs);
    expect(together.map((p) => p.shape)).toEqual([
      [3, 5, 3],
      [3, 5, 1],
      [3, 4, 5],
      [3, 4, 1],
      [3, 2, 4],
      [3, 2, 1],
    ]);
    runs.forEach((params, r) => {
      const back = memberParams(together, r);
      back.forEach((p, i) => {
        expect(Array.from(p.dataSync())).toEqual(Array.from(params[i]!.dataSync()));
      });
      tf.dispose(back);
    });
    tf.dispose([...together, ...runs.flat()]);
  });

  it.each<[string, MlpSpec]>([
    ['1 input, 1 output, relu', { inputs: 1, hidden: [7, 5], outputs: 1, activation: 'relu' }],
    ['3 inputs, 2 outputs, tanh', { inputs: 3, hidden: [6], outputs: 2, activation: 'tanh' }],
  ])('computes each run as mlp() does (%s)', (_, spec) => {
    const runs = [4, 5, 6];
    const params = runs.map((r) => initMlp(spec, createRng(r)));
    const together = stackMlps(params);
    const { x } = stacked(spec, runs);
    const out = ensembleMlp(together, x, spec.activation);
    expect(out.shape).toEqual([runs.length, spec.outputs, points]);
    const values = out.arraySync();
    runs.forEach((r, k) => {
      const own = tf.tensor2d(data(spec, r).xs, [points, spec.inputs]);
      const alone = mlp(params[k]!, own, spec.activation).arraySync();
      for (let n = 0; n < points; n++) for (let o = 0; o < spec.outputs; o++) expect(values[k]![o]![n]).toBeCloseTo(alone[n]![o]!, 5);
      tf.dispose(own);
    });
    tf.dispose([...params.flat(), ...together, x, out]);
  });

  it.each<[Activation, number[], number]>([
    ['relu', [16, 16, 15], 60],
    ['tanh', [6, 6], 150],
  ])('trains like runs one at a time: %s %j, final loss within 1e-4 after %i steps', (activation, hidden, epochs) => {
    const spec: MlpSpec = { inputs: 1, hidden, outputs: 1, activation };
    const runs = [1, 2, 3, 4];
    const together = trainTogether(spec, runs, epochs, 0.01);
    runs.forEach((r, k) => {
      const alone = trainAlone(spec, r, epochs, 0.01);
      const mine = together[k]!;
      expect(mine.diverged).toBeNull();
      expect(mine.losses).toHaveLength(epochs);
      expect(Math.abs(mine.losses.at(-1)! - alone.at(-1)!) / alone.at(-1)!).toBeLessThan(1e-4);
      // And it trained: not a comparison of two untrained models.
      expect(mine.losses.at(-1)!).toBeLessThan(mine.losses[0]! * 0.8);
      tf.dispose(mine.params);
    });
  });

  it('gives a run the same numbers whatever runs share its ensemble', () => {
    const spec: MlpSpec = { inputs: 1, hidden: [8, 8], outputs: 1, activation: 'tanh' };
    const few = trainTogether(spec, [1, 2], 40, 0.01);
    const many = trainTogether(spec, [1, 2, 3, 4, 5], 40, 0.01);
    const alone = trainTogether(spec, [2], 40, 0.01);
    expect(many[0]!.losses).toEqual(few[0]!.losses);
    expect(many[1]!.losses).toEqual(few[1]!.losses);
    expect(alone[0]!.losses).toEqual(few[1]!.losses);
    tf.dispose([...few, ...many, ...alone].flatMap((r) => r.params));
  });

  it('freezes a diverging run, reports it, and trains the others as if it were not there', () => {
    const spec: MlpSpec = { inputs: 1, hidden: [8], outputs: 1, activation: 'relu' };
    const before = tf.memory().numTensors;
    // Run 2's targets overflow float32 in the squared error: its loss is Infinity from the first step.
    const blowUp = (y: tf.Tensor3D) =>
      tf.tidy(() => tf.concat([tf.slice(y, [0, 0, 0], [1, 1, points]), tf.fill([1, 1, points], 1e30), tf.slice(y, [2, 0, 0], [1, 1, points])]) as tf.Tensor3D);
    const results = trainTogether(spec, [1, 2, 3], 30, 0.01, blowUp);
    const healthy = trainTogether(spec, [1, 3], 30, 0.01);
    expect(results[1]!.diverged).toEqual({ epoch: 1, value: 'Infinity' });
    expect(results[1]!.losses).toEqual([]);
    expect(results[1]!.params.every((p) => Array.from(p.dataSync()).every(Number.isFinite))).toBe(true);
    expect(results[0]!.losses).toEqual(healthy[0]!.losses);
    expect(results[2]!.losses).toEqual(healthy[1]!.losses);
    tf.dispose([...results, ...healthy].flatMap((r) => r.params));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports progress as the median loss of the runs still training', () => {
    expect(ensembleProgress(Float32Array.of(1, 3))).toBe('median loss 2.00e+0');
    expect(ensembleProgress(Float32Array.of(1, 3, Number.NaN))).toBe('median loss 2.00e+0 (2 of 3 runs training)');
    expect(ensembleProgress(Float32Array.of(Number.NaN))).toBe('median loss none (0 of 1 runs training)');
  });
});
