/**
 * R independent fully connected networks of one shape as one batched model
 * (what jax.vmap does to a model): each layer's weights stacked along a
 * leading run axis. Activations are laid out [R, features, N], samples last,
 * because tfjs reduces the last axis without a transpose (bias gradients) and
 * its wasm backend multiplies [R, out, in] × [R, in, N] directly. A layer with
 * one input or one output is a broadcast product instead of a matrix product:
 * wasm's batched matrix product is slow when an inner dimension is 1.
 *
 * Stacked parameters: W_l as [R, out, in], b_l as [R, out, 1]. Run r's
 * forward pass is exactly mlp() on its own parameters, up to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { activate } from './mlp.ts';
import type { Activation } from './mlp-shape.ts';

/** Stacks R runs' parameters, each [W_1 [in, out], b_1 [out], …] as initMlp makes them. */
export function stackMlps(members: readonly (readonly tf.Tensor[])[]): tf.Tensor[] {
  if (members.length === 0) throw new Error('an ensemble needs at least one run');
  const count = members[0]!.length;
  return tf.tidy(() => Array.from({ length: count }, (_, i) => tf.stack(members.map((p) => (i % 2 === 0 ? tf.transpose(p[i]!) : tf.reshape(p[i]!, [-1, 1]))))));
}

/** Run r's parameters in mlp()'s layout, taken out of the stacked ones (caller disposes). */
export function memberParams(stacked: readonly tf.Tensor[], r: number): tf.Tensor[] {
  return tf.tidy(() =>
    stacked.map((p, i) => {
      const [, rows, cols] = p.shape as [number, number, number];
      const one = tf.reshape(tf.slice(p, [r, 0, 0], [1, rows, cols]), [rows, cols]);
      return i % 2 === 0 ? tf.transpose(one) : tf.reshape(one, [rows]);
    }),
  );
}

/** Number of runs in stacked parameters. */
export function ensembleSize(stacked: readonly tf.Tensor[]): number {
  return stacked[0]!.shape[0]!;
}

/** Forward pass of every run at once; x is [R, inputs, N], the result [R, outputs, N]. */
export function ensembleMlp(params: readonly tf.Tensor[], x: tf.Tensor3D, activation: Activation): tf.Tensor3D {
  let h: tf.Tensor = x;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    const w = params[2 * l]!;
    const [runs, out, inp] = w.shape as [number, number, number];
    let z: tf.Tensor;
    if (inp === 1)
      z = tf.mul(w, h); // [R, out, 1] · [R, 1, N]
    else if (out === 1)
      z = tf.sum(tf.mul(tf.reshape(w, [runs, inp, 1]), h), 1, true); // Σ_i w_i h_i
    else z = tf.matMul(w as tf.Tensor3D, h as tf.Tensor3D);
    h = tf.add(z, params[2 * l + 1]!);
    if (l < layers - 1) h = activate(h, activation);
  }
  return h as tf.Tensor3D;
}

/** Per-run mean squared error, [R]: each run's loss on its own data (prediction and y are [R, outputs, N]). */
export function ensembleMeanSquaredError(prediction: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor1D {
  return tf.mean(tf.squaredDifference(prediction, y), [1, 2]) as tf.Tensor1D;
}
