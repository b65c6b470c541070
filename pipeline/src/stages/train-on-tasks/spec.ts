/** 1-1 Deep vs shallow, "Train on actual tasks": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import { checkBatchSize, checkParameterSpread, checkUniqueNames, metricsSchema, modelName, seedsSchema } from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { datasetNames } from '../../data/datasets.ts';
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
  blocks: z.array(z.array(z.int().positive()).min(1)).min(1),
  /** Hidden dense widths after flattening (the 10-way output layer is implied). */
  dense: z.array(z.int().positive()).default([]),
});

export const configSchema = z
  .strictObject({
    /** Datasets to train on, in report order; an absent one is reported with a notice instead of failing. */
    tasks: z.array(z.enum(datasetNames)).min(2),
    models: z.array(modelSchema).min(3),
    /** Largest allowed (max − min) / min of the parameter counts, per task. */
    maxParameterSpread: z.number().positive().max(1).default(0.1),
    /** A seeded random subset of each training set (the same for every model and seed). */
    trainingSamples: z.int().positive(),
    /** A seeded random subset of each test set. */
    testSamples: z.int().positive(),
    /** Seed of the subsets. */
    dataSeed: z.int().nonnegative().default(0),
    epochs: z.int().positive(),
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
      const counts = config.models.map((m) => cnnParameterCount({ input: inputShapes[task], blocks: m.blocks, dense: m.dense, classes: 10 }));
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
