/** Convolutional networks (nn/cnn.ts, nn/cnn-shape.ts): shapes and counts by hand, a toy task learned, divergence, the configured CNNs. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStageConfig, profiles } from '../../pipeline/src/core/config.ts';
import { createRng, permutation } from '../../pipeline/src/core/random.ts';
import { cnn, initCnn } from '../../pipeline/src/nn/cnn.ts';
import { type CnnSpec, cnnDepth, cnnLayerTable, cnnParameterCount } from '../../pipeline/src/nn/cnn-shape.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { inputShapes, spec as trainOnTasks } from '../../pipeline/src/stages/train-on-tasks/spec.ts';
import { evaluateClassifier, trainClassifier } from '../../pipeline/src/train/classification.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('convolutional networks', () => {
  const spec: CnnSpec = { input: [28, 28, 1], blocks: [[8, 8], [16]], dense: [32], classes: 10 };

  it('counts parameters layer by layer, by hand', () => {
    // conv 1→8: 9·1·8+8 = 80; conv 8→8: 9·8·8+8 = 584; pool → 14×14; conv 8→16: 9·8·16+16 = 1168; pool → 7×7
    // dense 7·7·16=784 → 32: 784·32+32 = 25120; dense 32 → 10: 330
    expect(cnnParameterCount(spec)).toBe(80 + 584 + 1168 + 25120 + 330);
    expect(cnnLayerTable(spec).map((l) => `${l.kind} ${l.output.join('×')}`)).toEqual([
      'conv 3×3 28×28×8',
      'conv 3×3 28×28×8',
      'max pool 2×2 14×14×8',
      'conv 3×3 14×14×16',
      'max pool 2×2 7×7×16',
      'flatten 784',
      'dense 32',
      'dense 10',
    ]);
    expect(cnnDepth(spec)).toBe(5);
  });

  it('initialises tensors whose sizes add up to the count, and produces logits of the right shape', () => {
    const params = initCnn(spec, createRng(1));
    expect(params.reduce((s, p) => s + p.size, 0)).toBe(cnnParameterCount(spec));
    const logits = cnn(spec, params, tf.zeros([3, 28, 28, 1]) as tf.Tensor4D);
    expect(logits.shape).toEqual([3, 10]);
    tf.dispose([...params, logits]);
  });

  it('floors odd sizes when pooling, as tf.maxPool does', () => {
    const odd: CnnSpec = { input: [7, 7, 1], blocks: [[2], [2]], dense: [], classes: 3 };
    expect(cnnLayerTable(odd).find((l) => l.kind === 'flatten')!.output).toEqual([1 * 1 * 2]);
    const params = initCnn(odd, createRng(2));
    const logits = cnn(odd, params, tf.ones([2, 7, 7, 1]) as tf.Tensor4D);
    expect(logits.shape).toEqual([2, 3]);
    tf.dispose([...params, logits]);
  });

  it('learns a separable toy task and leaks no tensors across epochs', () => {
    const toy: CnnSpec = { input: [6, 6, 1], blocks: [[4]], dense: [], classes: 2 };
    // Class 1: bright left half; class 0: bright right half.
    const rng = createRng(5);
    const n = 64;
    const x = new Float32Array(n * 36);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) x[i * 36 + r * 6 + c] = (c < 3 === (i % 2 === 1) ? 0.8 : 0.1) + 0.1 * rng.next();
    }
    const data = { x: tf.tensor4d(x, [n, 6, 6, 1]), labels: tf.tensor1d(labels, 'int32'), classes: 2 };
    const counts: number[] = [];
    const order = createRng(9);
    const run = trainClassifier((p, xb) => cnn(toy, p, xb), initCnn(toy, createRng(3)), data, {
      epochs: 15,
      batchSize: 16,
      learningRate: 0.05,
      shuffle: (_e, size) => permutation(size, order),
      onBatch: (_e, b, batches) => {
        if (b === batches) counts.push(tf.memory().numTensors);
      },
    });
    expect(run.diverged).toBeNull();
    expect(run.epochs[run.epochs.length - 1]!.accuracy).toBe(1);
    expect(run.epochs[run.epochs.length - 1]!.loss).toBeLessThan(run.epochs[0]!.loss);
    expect(new Set(counts.slice(1)).size).toBe(1);
    const evaluated = evaluateClassifier((p, xb) => cnn(toy, p, xb), run.params, data, 10);
    expect(evaluated.accuracy).toBe(1);
    tf.dispose([...run.params, data.x, data.labels]);
  });

  it('stops a diverging run and says when', () => {
    const toy: CnnSpec = { input: [4, 4, 1], blocks: [[2]], dense: [], classes: 2 };
    const data = { x: tf.fill([8, 4, 4, 1], NaN) as tf.Tensor4D, labels: tf.tensor1d([0, 1, 0, 1, 0, 1, 0, 1], 'int32'), classes: 2 };
    const run = trainClassifier((p, xb) => cnn(toy, p, xb), initCnn(toy, createRng(3)), data, {
      epochs: 3,
      batchSize: 4,
      learningRate: 0.01,
      shuffle: (_e, size) => permutation(size, createRng(1)),
    });
    expect(run.diverged).toEqual({ epoch: 1, value: 'NaN' });
    expect(run.epochs).toEqual([]);
    tf.dispose([...run.params, data.x, data.labels]);
  });

  for (const profile of profiles) {
    it(`the configured CNNs (${profile}) are within 10% of each other on every task, with different depths`, () => {
      const { config } = loadStageConfig(trainOnTasks, profile, {});
      expect(config.models.length).toBeGreaterThanOrEqual(3);
      expect(config.tasks).toContain('mnist');
      for (const task of config.tasks) {
        const counts = config.models.map((m) => cnnParameterCount({ input: inputShapes[task], blocks: m.blocks, dense: m.dense, classes: 10 }));
        expect((Math.max(...counts) - Math.min(...counts)) / Math.min(...counts), task).toBeLessThanOrEqual(0.1);
      }
      const depths = config.models.map((m) => cnnDepth({ input: [28, 28, 1], blocks: m.blocks, dense: m.dense, classes: 10 }));
      expect(new Set(depths).size).toBe(depths.length);
    });
  }
});
