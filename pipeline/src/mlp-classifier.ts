/**
 * Fully connected classifiers of images (section 1-3): the image is
 * flattened and fed to a ReLU MLP (mlp.ts) whose outputs are class logits,
 * trained with the classification loop of classify.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { evaluateClassifier, trainClassifier, type ClassifierRun, type EpochMetrics, type LabelledImages } from './classify.ts';
import { flattenParams } from './hessian.ts';
import { initMlp, layerTable, mlp, parameterCount, type MlpSpec } from './mlp.ts';
import { createRng, permutation } from './random.ts';

/** An MLP from the flattened image to the class logits, ReLU between layers. */
export function imageMlpSpec(data: LabelledImages, hidden: readonly number[]): MlpSpec {
  const [, h, w, c] = data.x.shape;
  return { inputs: h * w * c, hidden: [...hidden], outputs: data.classes, activation: 'relu' };
}

/** The classifier as a function of its parameters and a batch of images, for trainClassifier/evaluateClassifier. */
export function imageMlp(spec: MlpSpec): (params: readonly tf.Tensor[], x: tf.Tensor4D) => tf.Tensor2D {
  return (params, x) => mlp(params, tf.reshape(x, [x.shape[0], spec.inputs]) as tf.Tensor2D, spec.activation);
}

/** How an artifact describes a classifier trained here: its layers, size, optimizer and loss. */
export function classifierSetup(spec: MlpSpec) {
  return { layers: layerTable(spec), parameters: parameterCount(spec), optimizer: 'Adam', loss: 'softmax cross-entropy' };
}

export interface MlpTraining {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Seed of the initial parameters (PyTorch's default init). */
  initSeed: number;
  /** Seed of the order of samples in every epoch. */
  orderSeed: number;
  /** Stop after the first epoch whose running training accuracy reaches this fraction. */
  stopAtAccuracy?: number;
  onBatch?: (epoch: number, batch: number, batches: number, loss: number) => void;
  onEpoch?: (epoch: number, params: readonly tf.Tensor[]) => void;
}

/** Mini-batch Adam on softmax cross-entropy from a seeded initialisation; the caller disposes `params`. */
export function trainImageMlp(spec: MlpSpec, data: LabelledImages, training: MlpTraining): ClassifierRun {
  const initial = initMlp(spec, createRng(training.initSeed));
  const order = createRng(training.orderSeed);
  try {
    return trainClassifier(imageMlp(spec), initial, data, {
      epochs: training.epochs,
      batchSize: training.batchSize,
      learningRate: training.learningRate,
      shuffle: (_epoch, n) => permutation(n, order),
      stopAtAccuracy: training.stopAtAccuracy,
      onBatch: training.onBatch,
      onEpoch: training.onEpoch,
    });
  } finally {
    tf.dispose(initial);
  }
}

/** Loss and accuracy of the classifier with these parameters on a whole dataset. */
export function evaluateImageMlp(spec: MlpSpec, params: readonly tf.Tensor[], data: LabelledImages): EpochMetrics {
  return evaluateClassifier(imageMlp(spec), params, data);
}

/** The parameters as one flat vector (layout of hessian.ts), read back to the CPU. */
export function flatValues(params: readonly tf.Tensor[]): Float32Array {
  const theta = flattenParams(params);
  const values = theta.dataSync() as Float32Array;
  theta.dispose();
  return Float32Array.from(values);
}
