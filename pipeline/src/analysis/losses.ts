/**
 * Losses over a flat parameter vector θ that are differentiable to second
 * order in tfjs 4.22, for Hessians, Hessian-vector products and sharpness.
 *
 * Measured here (tfjs 4.22, cpu): tf.exp's gradient reads its saved output,
 * so a second derivative through it throws (exp alone) or is silently wrong
 * (d²/dx² of x²·eˣ at 0.7 off by 9%); tf.log's gradient dy/x is built from
 * differentiable ops and matched 1/x derivatives to ~1e-7 at second and third
 * order. tf.logSoftmax and tf.losses.softmaxCrossEntropy throw at second
 * order; tf.logSumExp needs a gradient of Equal; tfjs has no stopGradient.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from '../nn/mlp.ts';
import type { MlpSpec } from '../nn/mlp-shape.ts';
import { unflatten } from '../nn/params.ts';
import type { Loss } from './hessian.ts';

/** Mean squared error of the MLP on (x, y) as a function of θ. */
export function mlpLoss(spec: MlpSpec, x: tf.Tensor2D, y: tf.Tensor2D): Loss {
  return (theta) => tf.mean(tf.squaredDifference(mlp(unflatten(theta, spec), x, spec.activation), y));
}

/** eˣ whose gradient dy·eˣ calls this same function: exact at every order (tf.exp is not). */
export const exp: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  // The input must be saved: an unsaved intermediate is disposed before the backward pass runs.
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => tf.mul(dy, exp(input!)) };
});

/**
 * The row max of z, shape [batch, 1], as a constant: its gradient is zero at
 * every order. The max must be taken inside the custom op: tf.max recorded on
 * the tape is back-propagated (even with a zero upstream gradient) through
 * its gradient, which uses Equal, and second order then fails for want of a
 * gradient of Equal. tfjs 4.22 has no stopGradient.
 */
export const constantRowMax: (z: tf.Tensor) => tf.Tensor = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [z] = args as [tf.Tensor];
  const shape = z.shape;
  return { value: tf.max(z, 1, true), gradFunc: () => tf.zeros(shape) };
});

/**
 * log Σ_j exp(z_ij) over axis 1, shape [batch]. The row max m is subtracted
 * for stability and treated as a constant: log Σ exp(z) = m + log Σ exp(z − m)
 * holds for any m, so its derivatives do not depend on m.
 */
export function logSumExp(z: tf.Tensor2D): tf.Tensor1D {
  const m = constantRowMax(z);
  return tf.reshape(tf.add(tf.log(tf.sum(exp(tf.sub(z, m)), 1, true)), m), [-1]) as tf.Tensor1D;
}

/**
 * Mean softmax cross-entropy of the MLP on (x, labels) as a function of θ
 * (layout of nn/params.ts), differentiable to second order. `labels` holds
 * class indices (int32, one per row of x); the caller owns x and labels.
 */
export function crossEntropyLoss(spec: MlpSpec, x: tf.Tensor2D, labels: tf.Tensor1D): Loss {
  if (labels.shape[0] !== x.shape[0]) throw new Error(`expected one label per sample, got ${labels.shape[0]} labels for ${x.shape[0]} samples`);
  if (labels.dtype !== 'int32') throw new Error(`labels must be int32 class indices, got ${labels.dtype}`);
  return (theta) => {
    const logits = mlp(unflatten(theta, spec), x, spec.activation);
    const picked = tf.sum(tf.mul(tf.oneHot(labels, spec.outputs), logits), 1);
    return tf.mean(tf.sub(logSumExp(logits), picked)) as tf.Scalar;
  };
}
