/**
 * Convolutional classifiers (shapes in cnn-shape.ts) as plain functions of
 * their parameters: [K, b] per convolution, then [W, b] per dense layer, in order.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/random.ts';
import { type CnnSpec, KERNEL } from './cnn-shape.ts';
import { conv2dSame, dense } from './fused.ts';

/** PyTorch's defaults for Conv2d and Linear: weights and biases uniform in ±1/√fan_in. */
export function initCnn(spec: CnnSpec, rng: Rng): tf.Tensor[] {
  const params: tf.Tensor[] = [];
  const uniform = (n: number, bound: number) => Float32Array.from({ length: n }, () => rng.uniform(-bound, bound));
  let [h, w, c] = spec.input;
  for (const block of spec.blocks) {
    for (const filters of block) {
      const fanIn = KERNEL * KERNEL * c;
      const bound = 1 / Math.sqrt(fanIn);
      params.push(tf.tensor4d(uniform(fanIn * filters, bound), [KERNEL, KERNEL, c, filters]), tf.tensor1d(uniform(filters, bound)));
      c = filters;
    }
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  }
  let features = h * w * c;
  for (const width of [...spec.dense, spec.classes]) {
    const bound = 1 / Math.sqrt(features);
    params.push(tf.tensor2d(uniform(features * width, bound), [features, width]), tf.tensor1d(uniform(width, bound)));
    features = width;
  }
  return params;
}

/** Logits for a batch x of shape [batch, h, w, c]; each layer is one fused kernel (nn/fused.ts). */
export function cnn(spec: CnnSpec, params: readonly tf.Tensor[], x: tf.Tensor4D): tf.Tensor2D {
  let h: tf.Tensor4D = x;
  let p = 0;
  for (const block of spec.blocks) {
    for (let i = 0; i < block.length; i++) {
      h = conv2dSame(h, params[p] as tf.Tensor4D, params[p + 1] as tf.Tensor1D, 'relu');
      p += 2;
    }
    h = tf.maxPool(h, 2, 2, 'valid');
  }
  let z: tf.Tensor2D = tf.reshape(h, [h.shape[0], -1]);
  const layers = spec.dense.length + 1;
  for (let l = 0; l < layers; l++) {
    z = dense(z, params[p] as tf.Tensor2D, params[p + 1] as tf.Tensor1D, l < layers - 1 ? 'relu' : 'linear');
    p += 2;
  }
  return z;
}
