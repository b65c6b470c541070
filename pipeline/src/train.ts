/**
 * The training loop for regression: full-batch Adam on the mean squared error.
 * One step per epoch; the loss is read back every epoch, so a run that
 * diverges (NaN or ±Inf) stops at once and says when.
 */
import * as tf from '@tensorflow/tfjs';
import { firstNonFinite, type Divergence } from './divergence.ts';

export interface RegressionRun {
  /** Training loss after each epoch (losses[k] is the loss at the start of epoch k+1's update). */
  losses: number[];
  diverged: Divergence | null;
  /** Trained parameters (caller disposes). */
  params: tf.Tensor[];
}

export interface RegressionOptions {
  epochs: number;
  learningRate: number;
  /** Called after every epoch with its 1-based number and loss. */
  onEpoch?: (epoch: number, loss: number) => void;
}

export function trainRegression(
  model: (params: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D,
  initial: tf.Tensor[],
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  options: RegressionOptions,
): RegressionRun {
  const vars = initial.map((p, i) => tf.variable(p, true, `p${i}`));
  const optimizer = tf.train.adam(options.learningRate);
  const losses: number[] = [];
  let diverged: Divergence | null = null;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const lossTensor = optimizer.minimize(() => tf.mean(tf.squaredDifference(model(vars, x), y)) as tf.Scalar, true);
      const loss = lossTensor!.dataSync()[0]!;
      lossTensor!.dispose();
      const bad = firstNonFinite([loss]);
      if (bad) {
        diverged = { epoch, value: bad };
        break;
      }
      losses.push(loss);
      options.onEpoch?.(epoch, loss);
    }
    const params = vars.map((v) => v.clone());
    return { losses, diverged, params };
  } finally {
    optimizer.dispose();
    for (const v of vars) v.dispose();
  }
}

/** Mean squared error of a model on (x, y), as a plain number. */
export function meanSquaredError(
  model: (params: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D,
  params: readonly tf.Tensor[],
  x: tf.Tensor2D,
  y: tf.Tensor2D,
): number {
  return tf.tidy(() => tf.mean(tf.squaredDifference(model(params, x), y)).dataSync()[0]!);
}
