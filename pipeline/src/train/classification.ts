/**
 * The training loop for classification: mini-batch Adam on softmax
 * cross-entropy, with the loss read back every batch so a diverging run stops
 * at once; and evaluation of a trained classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { type Divergence, firstNonFinite } from '../core/divergence.ts';
import type { LabelledImages } from '../data/images.ts';
import { softmaxCrossEntropy } from '../nn/fused.ts';
import { DONE, runLoop } from './loop.ts';

export interface EpochMetrics {
  /** Mean cross-entropy over the epoch's mini-batches (parameters changing along the way). */
  loss: number;
  /** Fraction of the epoch's training samples classified correctly when their batch was seen. */
  accuracy: number;
}

export interface ClassifierRun {
  epochs: EpochMetrics[];
  diverged: Divergence | null;
  params: tf.Tensor[];
}

export interface ClassifierOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Order of samples in each epoch: shuffle(epoch) returns a permutation of 0..n-1. */
  shuffle: (epoch: number, n: number) => Int32Array;
  onBatch?: (epoch: number, batch: number, batches: number, loss: number) => void;
  /** Stop after the first epoch whose running training accuracy reaches this fraction. */
  stopAtAccuracy?: number;
  /** Called with the current parameters before the first epoch (epoch 0) and after each epoch. */
  onEpoch?: (epoch: number, params: readonly tf.Tensor[]) => void;
}

function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Scalar {
  if (logits.shape[1] !== classes) throw new Error(`the model gives ${logits.shape[1]} logits for ${classes} classes`);
  return softmaxCrossEntropy(logits, labels);
}

/** Mini-batch Adam on softmax cross-entropy, one pass over the shuffled data per epoch. */
export function trainClassifier(
  model: (params: readonly tf.Tensor[], x: tf.Tensor4D) => tf.Tensor2D,
  initial: tf.Tensor[],
  data: LabelledImages,
  options: ClassifierOptions,
): ClassifierRun {
  const n = data.x.shape[0];
  const batches = Math.ceil(n / options.batchSize);
  const epochs: EpochMetrics[] = [];
  const { params, diverged } = runLoop<Divergence>(initial, {
    epochs: options.epochs,
    optimizer: 'adam',
    learningRate: options.learningRate,
    start: (vars) => options.onEpoch?.(0, vars),
    epoch(epoch, vars, optimizer) {
      const order = options.shuffle(epoch, n);
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * options.batchSize, Math.min(n, (b + 1) * options.batchSize));
        const [lossValue, hits] = tf.tidy(() => {
          const indices = tf.tensor1d(idx, 'int32');
          const x = tf.gather(data.x, indices);
          const y = tf.gather(data.labels, indices);
          let hitsTensor: tf.Tensor | undefined;
          const loss = optimizer.minimize(() => {
            const logits = model(vars, x);
            // Accuracy from the same forward pass; argMax is off the gradient path.
            hitsTensor = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')));
            return crossEntropy(logits, y, data.classes);
          }, true)!;
          const values = [loss.dataSync()[0]!, hitsTensor!.dataSync()[0]!];
          hitsTensor!.dispose();
          return values;
        });
        const bad = firstNonFinite([lossValue!]);
        if (bad) return { epoch, value: bad };
        lossSum += lossValue! * idx.length;
        correct += hits!;
        options.onBatch?.(epoch, b + 1, batches, lossValue!);
      }
      epochs.push({ loss: lossSum / n, accuracy: correct / n });
      options.onEpoch?.(epoch, vars);
      return options.stopAtAccuracy !== undefined && correct / n >= options.stopAtAccuracy ? DONE : null;
    },
  });
  return { epochs, diverged, params };
}

/** Mean cross-entropy and accuracy of a classifier on a dataset, in batches. */
export function evaluateClassifier(
  model: (params: readonly tf.Tensor[], x: tf.Tensor4D) => tf.Tensor2D,
  params: readonly tf.Tensor[],
  data: LabelledImages,
  batchSize = 1000,
): EpochMetrics {
  const n = data.x.shape[0];
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const [l, c] = tf.tidy(() => {
      const x = tf.slice(data.x, [start, 0, 0, 0], [size, -1, -1, -1]);
      const y = tf.slice(data.labels, [start], [size]);
      const logits = model(params, x);
      return [crossEntropy(logits, y, data.classes).dataSync()[0]!, tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'int32')).dataSync()[0]!];
    });
    lossSum += l! * size;
    correct += c!;
  }
  return { loss: lossSum / n, accuracy: correct / n };
}
