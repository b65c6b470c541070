/**
 * Training and measuring the image MLPs of section 1-3 (nn/image-mlp.ts) with
 * the classification loop, from seeded initial parameters and batch order.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, permutation } from '../core/random.ts';
import type { LabelledImages } from '../data/images.ts';
import { imageMlp } from '../nn/image-mlp.ts';
import { initMlp } from '../nn/mlp.ts';
import { layerTable, type MlpSpec, parameterCount } from '../nn/mlp-shape.ts';
import { type ClassifierRun, type EpochMetrics, evaluateClassifier, trainClassifier } from './classification.ts';

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
