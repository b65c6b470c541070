/**
 * What the section 1-3 stages share: MLP classifiers of MNIST trained with
 * mini-batch Adam on seeded subsets, and how their setup and metrics are
 * recorded.
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

/**
 * Train until the running training accuracy of an epoch reaches this fraction
 * (at most `epochs` epochs), so models trained in different ways are compared
 * at the same fit of the training data rather than after the same time.
 */
export const stopAtTrainingAccuracySchema = z.number().gt(0).max(1).optional();

export const hiddenSchema = z.array(z.int().positive()).min(1);
export const seedsSchema = z.array(z.int().nonnegative()).min(1);

/** A batch larger than the training subset would silently be the whole subset: an error instead. */
export function checkBatchSize(batchSize: number, trainingSamples: number, path: Array<string | number>, ctx: z.RefinementCtx): void {
  if (batchSize > trainingSamples) {
    ctx.addIssue({ code: 'custom', path, message: `expected a batch size of at most trainingSamples (${trainingSamples}), got ${batchSize}` });
  }
}

export function checkUniqueSeeds(seeds: readonly number[], ctx: z.RefinementCtx): void {
  if (new Set(seeds).size !== seeds.length) ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'each seed may appear once' });
}

export const metricsSchema = z.strictObject({ loss: z.number(), accuracy: z.number().min(0).max(1) });
export type Metrics = z.infer<typeof metricsSchema>;

export const divergenceSchema = z.strictObject({ epoch: z.int(), value: z.enum(['NaN', 'Infinity', '-Infinity']) });

export const layerSchema = z.strictObject({
  index: z.int(),
  kind: z.string(),
  inputs: z.int(),
  outputs: z.int(),
  activation: z.string(),
  weights: z.int(),
  biases: z.int(),
  parameters: z.int(),
});

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
