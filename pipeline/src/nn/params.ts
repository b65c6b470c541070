/**
 * A network's parameters as one flat vector θ ([W1 row-major, b1, W2, …]),
 * and back: what PCA, interpolation, Hessians and sharpness work on.
 */
import * as tf from '@tensorflow/tfjs';
import { type MlpSpec, parameterShapes } from './mlp-shape.ts';

export function flattenParams(params: readonly tf.Tensor[]): tf.Tensor1D {
  return tf.tidy(() => tf.concat(params.map((p) => tf.reshape(p, [-1]))) as tf.Tensor1D);
}

/** The parameters as one flat vector, read back to the CPU. */
export function flatValues(params: readonly tf.Tensor[]): Float32Array {
  const theta = flattenParams(params);
  const values = theta.dataSync() as Float32Array;
  theta.dispose();
  return Float32Array.from(values);
}

/** Splits θ into the MLP's [W1, b1, …]; slice and reshape keep them differentiable in θ. */
export function unflatten(theta: tf.Tensor1D, spec: MlpSpec): tf.Tensor[] {
  const shapes = parameterShapes(spec);
  const total = shapes.reduce((sum, s) => sum + s.reduce((a, b) => a * b, 1), 0);
  if (theta.size !== total) throw new Error(`θ has ${theta.size} entries but the MLP has ${total} parameters`);
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const part = tf.reshape(tf.slice(theta, [offset], [size]), shape);
    offset += size;
    return part;
  });
}
