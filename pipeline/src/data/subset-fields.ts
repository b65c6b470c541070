/**
 * What configs and artifacts say about a seeded subset of MNIST (the data of
 * the section 1-3 stages). No TensorFlow.js: stage specs import this.
 */
import { z } from 'zod';

/** MNIST's split sizes: a subset cannot ask for more. */
export const MNIST_TRAIN = 60000;
export const MNIST_TEST = 10000;

export const subsetFields = {
  /** A seeded random subset of the MNIST training set (the same for every run). */
  trainingSamples: z.int().positive().max(MNIST_TRAIN),
  /** A seeded random subset of the MNIST test set. */
  testSamples: z.int().positive().max(MNIST_TEST),
  /** Seed of the subsets. */
  dataSeed: z.int().nonnegative().default(0),
};

export interface SubsetConfig {
  dataSeed: number;
  trainingSamples: number;
  testSamples: number;
}

/** How an artifact describes the data it was computed from. */
export const datasetSchema = z.strictObject({
  name: z.string(),
  source: z.string(),
  identity: z.string(),
  trainCount: z.int(),
  testCount: z.int(),
  trainingSamples: z.int(),
  testSamples: z.int(),
  dataSeed: z.int(),
});
export type DatasetInfo = z.infer<typeof datasetSchema>;
