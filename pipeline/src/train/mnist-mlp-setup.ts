/**
 * The MLPs the section 1-3 stages train on a subset of MNIST (random-labels,
 * flatness-interpolation, flatness-sensitivity, parameters-vs-generalization):
 * their shape, and the setup their artifacts record. No TensorFlow.js: stage
 * specs import this.
 */
import { z } from 'zod';
import { datasetSchema } from '../data/subset-fields.ts';
import { denseLayerSchema, type MlpSpec } from '../nn/mlp-shape.ts';

/** An MLP on MNIST: 784 pixels in, 10 classes out, ReLU. */
export const mnistMlp = (hidden: readonly number[]): MlpSpec => ({ inputs: 28 * 28, hidden: [...hidden], outputs: 10, activation: 'relu' });

/** What each such stage records of its setup: the data, the layer table, the parameter count, how it was trained and with which seeds. */
export const mnistMlpSetupFields = {
  dataset: datasetSchema,
  layers: z.array(denseLayerSchema),
  parameters: z.int(),
  optimizer: z.string(),
  loss: z.string(),
  epochs: z.int(),
  seeds: z.array(z.int()),
};
