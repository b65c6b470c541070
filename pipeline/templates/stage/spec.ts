/** __TITLE__: what its config holds and what its artifact records (no TensorFlow.js: the site reads this). */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import { checkUniqueSeeds, count, epochsSchema, hiddenSchema, limits, seedsSchema } from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';

export const configSchema = z
  .strictObject({
    /** Widths of the MLP's hidden layers, input side first. */
    hidden: hiddenSchema,
    /** Training inputs, evenly spaced on [0, 1]. Every size and count has an upper bound that says why (core/schemas.ts limits). */
    points: count(limits.points, 2),
    epochs: epochsSchema,
    learningRate: z.number().positive(),
    seeds: seedsSchema,
  })
  .superRefine((config, ctx) => {
    checkUniqueSeeds(config.seeds, ctx);
    checkMlpSize({ inputs: 1, outputs: 1, hidden: config.hidden, activation: 'tanh' }, ['hidden'], ctx);
  });
export type __PASCAL__Config = z.output<typeof configSchema>;

const runSchema = z.strictObject({
  seed: z.int(),
  /** Training loss (MSE) after each epoch; ends early when the run diverged. */
  losses: z.array(z.number()),
  diverged: divergenceSchema.nullable(),
});

export const dataSchema = z.strictObject({
  setup: z.strictObject({ hidden: z.array(z.int()), points: z.int(), epochs: z.int(), learningRate: z.number(), seeds: z.array(z.int()) }),
  runs: z.array(runSchema),
});
export type __PASCAL__Data = z.output<typeof dataSchema>;

export const spec = {
  name: '__NAME__',
  title: '__TITLE__',
  /** Bump when the shape of the data changes. */
  schemaVersion: 1,
  /** Datasets it reads (data/datasets.ts names), e.g. ['mnist']. */
  datasets: [],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
