/**
 * train/image-classifier.ts over train/classification.ts: an image MLP
 * trained on a small MNIST subset, its epoch hooks, the early stop at a
 * training accuracy, and no tensor left behind.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { releaseSubsets, trainTestSubsets } from '../../pipeline/src/data/images.ts';
import { imageMlpSpec } from '../../pipeline/src/nn/image-mlp.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { trainImageMlp } from '../../pipeline/src/train/image-classifier.ts';

describe('training an image MLP', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('calls onEpoch before training and after every epoch, stops at the accuracy asked for, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const { train } = trainTestSubsets('mnist', 0, 256, 10);
    const spec = imageMlpSpec(train, [16]);
    expect(spec).toEqual({ inputs: 784, hidden: [16], outputs: 10, activation: 'relu' });
    const seen: number[] = [];
    const run = trainImageMlp(spec, train, {
      epochs: 50,
      batchSize: 32,
      learningRate: 0.01,
      stopAtAccuracy: 0.9,
      initSeed: 1,
      orderSeed: 2,
      onEpoch: (epoch, params) => {
        expect(params).toHaveLength(4);
        seen.push(epoch);
      },
    });
    const n = run.epochs.length;
    expect(seen).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
    expect(n).toBeLessThan(50);
    expect(run.epochs[n - 1]!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(run.epochs[n - 2]!.accuracy).toBeLessThan(0.9);
    tf.dispose(run.params);
    releaseSubsets();
    expect(tf.memory().numTensors).toBe(before);
  });
});
