/** 1-1 Deep vs shallow, "Train on actual tasks": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import {
  checkBatchSize,
  checkParameterCount,
  checkParameterSpread,
  checkUniqueNames,
  count,
  epochsSchema,
  limits,
  listOf,
  metricsSchema,
  modelName,
  seedsSchema,
} from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { datasetNames } from '../../data/datasets.ts';
import { MNIST_TEST, MNIST_TRAIN } from '../../data/subset-fields.ts';
import { cnnLayerSchema, cnnParameterCount } from '../../nn/cnn-shape.ts';

/** Input shape of each dataset (NHWC without the batch). */
export const inputShapes: Record<(typeof datasetNames)[number], [number, number, number]> = {
  mnist: [28, 28, 1],
  'fashion-mnist': [28, 28, 1],
  cifar10: [32, 32, 3],
};

const modelSchema = z.strictObject({
  name: modelName,
  /** Output channels of the 3×3 convolutions, grouped in blocks that each end with a 2×2 max pool. */
  blocks: listOf(listOf(count(limits.width), limits.hiddenLayers), limits.hiddenLayers),
  /** Hidden dense widths after flattening (the 10-way output layer is implied). */
  dense: listOf(count(limits.width), limits.hiddenLayers, 0).default([]),
});

export const configSchema = z
  .strictObject({
    /** Datasets to train on, in report order; an absent one is reported with a notice instead of failing. */
    tasks: z.array(z.enum(datasetNames)).min(2),
    models: listOf(modelSchema, limits.models, 3),
    /** Largest allowed (max − min) / min of the parameter counts, per task. */
    maxParameterSpread: z.number().positive().max(1).default(0.1),
    /** A seeded random subset of each training set (the same for every model and seed); no set here is larger than MNIST's. */
    trainingSamples: z.int().positive().max(MNIST_TRAIN),
    /** A seeded random subset of each test set. */
    testSamples: z.int().positive().max(MNIST_TEST),
    /** Seed of the subsets. */
    dataSeed: z.int().nonnegative().default(0),
    epochs: epochsSchema,
    batchSize: z.int().positive(),
    learningRate: z.number().positive(),
    seeds: seedsSchema,
  })
  .superRefine((config, ctx) => {
    checkUniqueNames(config.models, ['models'], ctx);
    if (new Set(config.tasks).size !== config.tasks.length) ctx.addIssue({ code: 'custom', path: ['tasks'], message: 'each task may appear once' });
    const depth = (m: (typeof config.models)[number]) => m.blocks.flat().length + m.dense.length;
    if (new Set(config.models.map(depth)).size < config.models.length) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: 'expected every model to have a different depth (number of conv and dense layers)' });
    }
    checkBatchSize(config.batchSize, config.trainingSamples, ['batchSize'], ctx);
    for (const task of new Set(config.tasks)) {
      // Each block ends in a 2×2 pool, which halves the image (rounding down): it must keep a pixel.
      const [h, w] = inputShapes[task];
      config.models.forEach((m, i) => {
        if (2 ** m.blocks.length > Math.min(h, w)) {
          ctx.addIssue({
            code: 'custom',
            path: ['models', i, 'blocks'],
            message: `expected at most ${Math.floor(Math.log2(Math.min(h, w)))} blocks: each ends in a 2×2 pool, and ${task}'s ${h}×${w} images would shrink to nothing after ${m.blocks.length}`,
          });
        }
      });
      const counts = config.models.map((m) => cnnParameterCount({ input: inputShapes[task], blocks: m.blocks, dense: m.dense, classes: 10 }));
      counts.forEach((n, i) => {
        checkParameterCount(n, ['models', i], ctx);
      });
      checkParameterSpread(
        config.models.map((m) => m.name),
        counts,
        config.maxParameterSpread,
        ctx,
        ` on ${task}`,
      );
    }
  });
export type TrainOnTasksConfig = z.output<typeof configSchema>;

const runSchema = z.strictObject({
  seed: z.int(),
  /** Mean training loss and accuracy over each epoch's mini-batches. */
  epochs: z.array(metricsSchema),
  diverged: divergenceSchema.nullable(),
  /** The trained model on the test subset; null when diverged. */
  test: metricsSchema.nullable(),
});

export const dataSchema = z.strictObject({
  training: z.strictObject({
    optimizer: z.string(),
    learningRate: z.number(),
    batchSize: z.int(),
    epochs: z.int(),
    loss: z.string(),
    trainingSamples: z.int(),
    testSamples: z.int(),
    seeds: z.array(z.int()),
  }),
  tasks: z.array(
    z.strictObject({
      id: z.enum(datasetNames),
      label: z.string(),
      /** Null when the dataset was present and trained on. */
      missing: z.strictObject({ message: z.string() }).nullable(),
      dataset: z.strictObject({ source: z.string(), identity: z.string(), trainCount: z.int(), testCount: z.int(), shape: z.array(z.int()) }).nullable(),
      models: z.array(
        z.strictObject({
          name: z.string(),
          depth: z.int(),
          parameters: z.int(),
          layers: z.array(cnnLayerSchema),
          runs: z.array(runSchema),
        }),
      ),
    }),
  ),
});
export type TrainOnTasksData = z.infer<typeof dataSchema>;

export const taskLabels: Record<(typeof datasetNames)[number], string> = {
  mnist: 'MNIST',
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
};

export const spec = {
  name: 'train-on-tasks',
  title: '1-1 Train on actual tasks',
  schemaVersion: 1,
  datasets: datasetNames,
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
