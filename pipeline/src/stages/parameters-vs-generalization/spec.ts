/** 1-3 Generalization, "Number of parameters vs. generalization": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import { checkBatchSize, checkUniqueSeeds, count, epochsSchema, limits, listOf, metricsSchema, seedsSchema } from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { datasetSchema, subsetFields } from '../../data/subset-fields.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';
import { mnistMlp } from '../../train/mnist-mlp-setup.ts';

export const configSchema = z
  .strictObject({
    /** Width of every hidden layer, one model per width, increasing. */
    widths: listOf(count(limits.width), limits.listItems, 10),
    /** Hidden layers per model (all of the same width). */
    layers: count(limits.hiddenLayers).default(1),
    ...subsetFields,
    epochs: epochsSchema,
    batchSize: z.int().positive(),
    learningRate: z.number().positive(),
    seeds: seedsSchema,
  })
  .superRefine((config, ctx) => {
    config.widths.forEach((w, i) => {
      if (i > 0 && w <= config.widths[i - 1]!) {
        ctx.addIssue({ code: 'custom', path: ['widths', i], message: `expected widths in increasing order, got ${w} after ${config.widths[i - 1]}` });
      }
    });
    checkBatchSize(config.batchSize, config.trainingSamples, ['batchSize'], ctx);
    checkUniqueSeeds(config.seeds, ctx);
    config.widths.forEach((w, i) => {
      checkMlpSize(mnistMlp(Array(config.layers).fill(w)), ['widths', i], ctx);
    });
  });
export type ParametersConfig = z.output<typeof configSchema>;

const runSchema = z.strictObject({
  seed: z.int(),
  diverged: divergenceSchema.nullable(),
  /** The trained model on the whole training subset and on the test subset; null when diverged. */
  train: metricsSchema.nullable(),
  test: metricsSchema.nullable(),
});
export type ParametersRun = z.infer<typeof runSchema>;

export const dataSchema = z.strictObject({
  setup: z.strictObject({
    dataset: datasetSchema,
    layers: z.int(),
    activation: z.string(),
    optimizer: z.string(),
    loss: z.string(),
    learningRate: z.number(),
    batchSize: z.int(),
    epochs: z.int(),
    seeds: z.array(z.int()),
  }),
  models: z.array(
    z.strictObject({
      width: z.int(),
      hidden: z.array(z.int()),
      parameters: z.int(),
      runs: z.array(runSchema),
    }),
  ),
});
export type ParametersData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'parameters-vs-generalization',
  title: '1-3 Number of parameters vs. generalization',
  schemaVersion: 1,
  datasets: ['mnist'],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
