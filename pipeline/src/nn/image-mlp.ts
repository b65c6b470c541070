/**
 * Fully connected classifiers of images (section 1-3): the image is
 * flattened and fed to a ReLU MLP whose outputs are class logits.
 */
import * as tf from '@tensorflow/tfjs';
import { mlp } from './mlp.ts';
import type { MlpSpec } from './mlp-shape.ts';

/** An MLP from the flattened image to the class logits, ReLU between layers; `images.x` is [n, h, w, c]. */
export function imageMlpSpec(images: { x: { shape: readonly number[] }; classes: number }, hidden: readonly number[]): MlpSpec {
  const [, h, w, c] = images.x.shape as [number, number, number, number];
  return { inputs: h * w * c, hidden: [...hidden], outputs: images.classes, activation: 'relu' };
}

/** The classifier as a function of its parameters and a batch of images. */
export function imageMlp(spec: MlpSpec): (params: readonly tf.Tensor[], x: tf.Tensor4D) => tf.Tensor2D {
  return (params, x) => mlp(params, tf.reshape(x, [x.shape[0], spec.inputs]) as tf.Tensor2D, spec.activation);
}
