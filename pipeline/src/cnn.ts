/**
 * Convolutional classifiers as plain functions of their parameters. A network
 * is a list of blocks, each a few 3×3 'same' convolutions with ReLU followed
 * by 2×2 max pooling, then optional hidden dense layers, then a dense layer to
 * the class logits. Parameters are [K, b] per convolution, then [W, b] per
 * dense layer, in order.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from './random.ts';

export interface CnnSpec {
  /** Input height, width, channels (NHWC). */
  input: [number, number, number];
  /** Output channels of each convolution, grouped into blocks that end in a 2×2 max pool. */
  blocks: number[][];
  /** Widths of hidden dense layers after flattening. */
  dense: number[];
  classes: number;
}

export interface CnnLayerRow {
  index: number;
  kind: 'conv 3×3' | 'max pool 2×2' | 'flatten' | 'dense';
  /** Output shape without the batch dimension. */
  output: number[];
  activation: 'relu' | 'linear' | '';
  parameters: number;
}

const KERNEL = 3;

/** One row per layer (pooling and flattening included, with 0 parameters). */
export function cnnLayerTable(spec: CnnSpec): CnnLayerRow[] {
  const rows: CnnLayerRow[] = [];
  let [h, w, c] = spec.input;
  for (const block of spec.blocks) {
    for (const filters of block) {
      rows.push({ index: rows.length + 1, kind: 'conv 3×3', output: [h, w, filters], activation: 'relu', parameters: KERNEL * KERNEL * c * filters + filters });
      c = filters;
    }
    // 'valid' pooling floors odd sizes, as tf.maxPool does.
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
    rows.push({ index: rows.length + 1, kind: 'max pool 2×2', output: [h, w, c], activation: '', parameters: 0 });
  }
  let features = h * w * c;
  rows.push({ index: rows.length + 1, kind: 'flatten', output: [features], activation: '', parameters: 0 });
  for (const [i, width] of [...spec.dense, spec.classes].entries()) {
    const last = i === spec.dense.length;
    rows.push({ index: rows.length + 1, kind: 'dense', output: [width], activation: last ? 'linear' : 'relu', parameters: features * width + width });
    features = width;
  }
  return rows;
}

export function cnnParameterCount(spec: CnnSpec): number {
  return cnnLayerTable(spec).reduce((s, r) => s + r.parameters, 0);
}

export function cnnDepth(spec: CnnSpec): number {
  return spec.blocks.flat().length + spec.dense.length + 1;
}

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

/** Logits for a batch x of shape [batch, h, w, c]. */
export function cnn(spec: CnnSpec, params: readonly tf.Tensor[], x: tf.Tensor4D): tf.Tensor2D {
  let h: tf.Tensor4D = x;
  let p = 0;
  for (const block of spec.blocks) {
    for (let i = 0; i < block.length; i++) {
      h = tf.relu(tf.add(tf.conv2d(h, params[p] as tf.Tensor4D, 1, 'same'), params[p + 1]!)) as tf.Tensor4D;
      p += 2;
    }
    h = tf.maxPool(h, 2, 2, 'valid');
  }
  let z: tf.Tensor2D = tf.reshape(h, [h.shape[0], -1]);
  const dense = spec.dense.length + 1;
  for (let l = 0; l < dense; l++) {
    z = tf.add(tf.matMul(z, params[p] as tf.Tensor2D), params[p + 1]!) as tf.Tensor2D;
    p += 2;
    if (l < dense - 1) z = tf.relu(z);
  }
  return z;
}
