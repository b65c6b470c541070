/**
 * Fully connected networks as plain functions of their parameters:
 * y = W_L·act(…act(W_1·x + b_1)…) + b_L. Parameters are a flat list of
 * tensors [W_1, b_1, …, W_L, b_L] (shapes in mlp-shape.ts), so they can be
 * flattened, interpolated or differentiated without a framework in between.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/random.ts';
import { dense } from './fused.ts';
import { type Activation, layerSizes, type MlpSpec } from './mlp-shape.ts';

/**
 * PyTorch's default for nn.Linear: weights and biases uniform in
 * ±1/√fan_in. Nonzero biases spread the ReLU kinks over [0, 1], which matters
 * for a one-dimensional input.
 */
export function initMlp(spec: MlpSpec, rng: Rng): tf.Tensor[] {
  const sizes = layerSizes(spec);
  const params: tf.Tensor[] = [];
  for (let i = 1; i < sizes.length; i++) {
    const fanIn = sizes[i - 1]!;
    const out = sizes[i]!;
    const bound = 1 / Math.sqrt(fanIn);
    const w = Float32Array.from({ length: fanIn * out }, () => rng.uniform(-bound, bound));
    const b = Float32Array.from({ length: out }, () => rng.uniform(-bound, bound));
    params.push(tf.tensor2d(w, [fanIn, out]), tf.tensor1d(b));
  }
  return params;
}

/**
 * tanh whose gradient 1 − tanh² calls this same function, so derivatives of
 * every order are exact. tfjs 4.22's own tanh gradient reads the saved
 * output, and second-order gradients through it silently drop terms.
 */
export const tanh: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  // The input must be saved: an unsaved intermediate is disposed before the backward pass runs.
  save([x]);
  return {
    value: tf.tanh(x),
    gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => tf.mul(dy, tf.sub(1, tf.square(tanh(input!)))),
  };
});

export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  return activation === 'relu' ? tf.relu(x) : tanh(x);
}

/** Forward pass; x has shape [batch, inputs]. Each layer is one fused kernel (nn/fused.ts): product, bias and ReLU. */
export function mlp(params: readonly tf.Tensor[], x: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  let h = x;
  const layers = params.length / 2;
  for (let l = 0; l < layers; l++) {
    const hidden = l < layers - 1;
    h = dense(h, params[2 * l] as tf.Tensor2D, params[2 * l + 1] as tf.Tensor1D, hidden && activation === 'relu' ? 'relu' : 'linear');
    if (hidden && activation === 'tanh') h = tanh(h) as tf.Tensor2D;
  }
  return h;
}
