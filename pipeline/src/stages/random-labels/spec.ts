/** 1-3 Generalization, "Can a network fit random labels?": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import { checkBatchSize, checkUniqueSeeds, epochsSchema, hiddenSchema, metricsSchema, seedsSchema } from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { subsetFields } from '../../data/subset-fields.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';
import { mnistMlp, mnistMlpSetupFields } from '../../train/mnist-mlp-setup.ts';

export const configSchema = z
  .strictObject({
    /** Hidden layer widths of the MLP (784 → hidden → 10, ReLU). */
    hidden: hiddenSchema,
    ...subsetFields,
    /** Seed of the permutation that shuffles the training labels. */
    labelSeed: z.int().nonnegative().default(0),
    /** Also train on the true labels, as a reference drawn in the same figure. */
    trueLabels: z.boolean().default(true),
    epochs: epochsSchema,
    batchSize: z.int().positive(),
    learningRate: z.number().positive(),
    seeds: seedsSchema,
  })
  .superRefine((config, ctx) => {
    checkMlpSize(mnistMlp(config.hidden), ['hidden'], ctx);
    checkBatchSize(config.batchSize, config.trainingSamples, ['batchSize'], ctx);
    checkUniqueSeeds(config.seeds, ctx);
  });
export type RandomLabelsConfig = z.output<typeof configSchema>;

export const labelKinds = ['random', 'true'] as const;

const epochSchema = z.strictObject({
  epoch: z.int(),
  /** The model at the end of the epoch on the whole training subset, with the labels it is trained on. */
  train: metricsSchema,
  /** The model at the end of the epoch on the test subset (true labels). */
  test: metricsSchema,
});

const runSchema = z.strictObject({
  labels: z.enum(labelKinds),
  seed: z.int(),
  /** Epoch 0 is the initial model. Ends early when the run diverged. */
  epochs: z.array(epochSchema),
  diverged: divergenceSchema.nullable(),
});
export type RandomLabelsRun = z.infer<typeof runSchema>;

export const dataSchema = z.strictObject({
  setup: z.strictObject({
    ...mnistMlpSetupFields,
    learningRate: z.number(),
    batchSize: z.int(),
    labelSeed: z.int(),
    /** Fraction of shuffled training labels that still equal the true label (≈ 1/10 by chance). */
    unchangedLabels: z.number(),
    /** Share of the most frequent class in the test subset: the accuracy of always guessing it. */
    majorityClassShare: z.number(),
  }),
  runs: z.array(runSchema),
});
export type RandomLabelsData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'random-labels',
  title: '1-3 Can a network fit random labels?',
  schemaVersion: 1,
  datasets: ['mnist'],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
