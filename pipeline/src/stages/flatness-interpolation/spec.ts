/** 1-3 Generalization, "Flatness vs. generalization, part 1": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import {
  checkBatchSize,
  checkUniqueNames,
  checkUniqueSeeds,
  epochsSchema,
  hiddenSchema,
  limits,
  listOf,
  metricsSchema,
  modelName,
  seedsSchema,
  stopAtTrainingAccuracySchema,
} from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { subsetFields } from '../../data/subset-fields.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';
import { mnistMlp, mnistMlpSetupFields } from '../../train/mnist-mlp-setup.ts';

/** The issue asks for at least this many values of α. */
export const MIN_ALPHAS = 31;

const modelSchema = z.strictObject({
  name: modelName,
  batchSize: z.int().positive(),
  learningRate: z.number().positive(),
});

export const configSchema = z
  .strictObject({
    /** Hidden layer widths of the MLP shared by both models (784 → hidden → 10, ReLU). */
    hidden: hiddenSchema,
    ...subsetFields,
    /** θ₁ and θ₂: the same architecture trained two ways. */
    models: listOf(modelSchema, limits.models),
    /** At most this many epochs (see stopAtTrainingAccuracy). */
    epochs: epochsSchema,
    stopAtTrainingAccuracy: stopAtTrainingAccuracySchema,
    /** Both models of a seed start from the same initial parameters (otherwise each has its own). */
    sharedInit: z.boolean().default(true),
    /** θ(α) = (1 − α)·θ₁ + α·θ₂ on `count` evenly spaced α from `from` to `to` (0 and 1 are always added). */
    alpha: z.strictObject({ from: z.number(), to: z.number(), count: z.int().max(limits.alphas.max, limits.alphas.why) }),
    seeds: seedsSchema,
  })
  .superRefine((config, ctx) => {
    if (config.models.length !== 2) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: `expected exactly two models to interpolate between, got ${config.models.length}` });
    }
    checkUniqueNames(config.models, ['models'], ctx);
    checkMlpSize(mnistMlp(config.hidden), ['hidden'], ctx);
    config.models.forEach((m, i) => {
      checkBatchSize(m.batchSize, config.trainingSamples, ['models', i, 'batchSize'], ctx);
    });
    const { from, to, count } = config.alpha;
    if (!(from < to))
      ctx.addIssue({ code: 'custom', path: ['alpha', 'to'], message: `expected the α range to increase: to (${to}) must be greater than from (${from})` });
    if (count < MIN_ALPHAS) ctx.addIssue({ code: 'custom', path: ['alpha', 'count'], message: `expected at least ${MIN_ALPHAS} values of α, got ${count}` });
    checkUniqueSeeds(config.seeds, ctx);
  });
export type InterpolationConfig = z.output<typeof configSchema>;

const trainedSchema = z.strictObject({
  model: z.string(),
  seed: z.int(),
  /** Mean loss and accuracy over each epoch's mini-batches. */
  epochs: z.array(metricsSchema),
  diverged: divergenceSchema.nullable(),
  /** The trained model on the whole training subset and on the test subset; null when diverged. */
  train: metricsSchema.nullable(),
  test: metricsSchema.nullable(),
});
export type TrainedModel = z.infer<typeof trainedSchema>;

const pointSchema = z.strictObject({ alpha: z.number(), train: metricsSchema, test: metricsSchema });
export type InterpolationPoint = z.infer<typeof pointSchema>;

export const dataSchema = z.strictObject({
  setup: z.strictObject({
    ...mnistMlpSetupFields,
    stopAtTrainingAccuracy: z.number().nullable(),
    sharedInit: z.boolean(),
    models: listOf(modelSchema, limits.models),
  }),
  trained: z.array(trainedSchema),
  /** One curve per seed; absent for a seed where a model diverged. */
  curves: z.array(z.strictObject({ seed: z.int(), points: z.array(pointSchema) })),
});
export type InterpolationData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'flatness-interpolation',
  title: '1-3 Flatness vs. generalization, part 1',
  schemaVersion: 1,
  datasets: ['mnist'],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
