/**
 * The training loop for regression: full-batch Adam on the mean squared error.
 * One step per epoch; the loss is read back every epoch, so a run that
 * diverges (NaN or ±Inf) stops at once and says when.
 */
import * as tf from '@tensorflow/tfjs';
import { type Divergence, firstNonFinite } from '../core/divergence.ts';
import { runLoop } from './loop.ts';

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

type Model = (params: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D;

export function trainRegression(model: Model, initial: tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D, options: RegressionOptions): RegressionRun {
  const losses: number[] = [];
  const { params, diverged } = runLoop<Divergence>(initial, {
    epochs: options.epochs,
    optimizer: 'adam',
    learningRate: options.learningRate,
    epoch(epoch, vars, optimizer) {
      const lossTensor = optimizer.minimize(() => tf.mean(tf.squaredDifference(model(vars, x), y)) as tf.Scalar, true);
      const loss = lossTensor!.dataSync()[0]!;
      lossTensor!.dispose();
      const bad = firstNonFinite([loss]);
      if (bad) return { epoch, value: bad };
      losses.push(loss);
      options.onEpoch?.(epoch, loss);
      return null;
    },
  });
  return { losses, diverged, params };
}

/** Mean squared error of a model on (x, y), as a plain number. */
export function meanSquaredError(model: Model, params: readonly tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D): number {
  return tf.tidy(() => tf.mean(tf.squaredDifference(model(params, x), y)).dataSync()[0]!);
}
