/** 1-2 Optimization, "Visualize the optimization process" and "Observe gradient norm": config and artifact schemas. */
import { z } from 'zod';
import { nonFiniteSchema } from '../../core/divergence.ts';
import { checkBatchSize, checkUniqueSeeds, count, epochsSchema, hiddenSchema, limits, seedsSchema } from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { targetIds } from '../../data/targets.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';

export const configSchema = z
  .strictObject({
    /** The function the MLP fits on x in [0, 1]. */
    target: z.enum(targetIds),
    activation: z.enum(['relu', 'tanh']).default('relu'),
    hidden: hiddenSchema,
    /** "One layer" of Figure E: dense layer number, 1 = W1, b1 (the input layer's weights). */
    layer: z.int(),
    seeds: seedsSchema,
    /** Seed of the training sample, shared by every run so runs differ only by initialisation and batch order. */
    dataSeed: z.int().nonnegative(),
    trainingPoints: count(limits.points, 2),
    optimizer: z.enum(['adam', 'sgd']),
    learningRate: z.number().positive(),
    batchSize: z.int().positive(),
    epochs: epochsSchema,
    /** Recording cycle: parameters are saved every this many epochs. */
    recordEvery: z.int().positive(),
    surface: z.strictObject({
      /** Grid points along each of the plane's two directions. */
      resolution: count(limits.resolution, 2),
      /** Extra room around the trajectory, as a fraction of its extent on each side. */
      margin: z.number().nonnegative(),
    }),
  })
  .superRefine((config, ctx) => {
    const layers = config.hidden.length + 1;
    if (config.layer < 1 || config.layer > layers) {
      ctx.addIssue({ code: 'custom', path: ['layer'], message: `no layer ${config.layer}: the model has dense layers 1 to ${layers}` });
    }
    checkUniqueSeeds(config.seeds, ctx);
    checkMlpSize({ inputs: 1, outputs: 1, hidden: config.hidden, activation: config.activation }, ['hidden'], ctx);
    if (config.recordEvery > config.epochs) {
      ctx.addIssue({
        code: 'custom',
        path: ['recordEvery'],
        message: `a recording cycle of ${config.recordEvery} epochs is longer than the ${config.epochs} epochs of training`,
      });
    }
    checkBatchSize(config.batchSize, config.trainingPoints, ['batchSize'], ctx, 'trainingPoints');
  });
export type OptimizationProcessConfig = z.output<typeof configSchema>;

const series = z.strictObject({ x: z.array(z.number()), y: z.array(z.number()) });
const pair = z.tuple([z.number(), z.number()]);

const runSchema = z.strictObject({
  seed: z.int(),
  diverged: z.strictObject({ epoch: z.int(), iteration: z.int(), value: nonFiniteSchema }).nullable(),
  /** Training MSE on all points after the last epoch; null when diverged. */
  finalLoss: z.number().nullable(),
  /** Epoch of each snapshot (0 = before training). */
  snapshotEpochs: z.array(z.int()),
  /** Snapshots on the two PCA components fitted over every finished run; null when this run diverged. */
  model: series.nullable(),
  layer: series.nullable(),
  /** Per optimizer step: minibatch loss and L2 norm of the full gradient, until divergence if any. */
  iterations: z.strictObject({ loss: z.array(z.number()), gradientNorm: z.array(z.number()) }),
});
export type TrajectoryRunData = z.infer<typeof runSchema>;

export const dataSchema = z.strictObject({
  training: z.strictObject({
    target: z.string(),
    activation: z.string(),
    hidden: z.array(z.int()),
    parameters: z.int(),
    layer: z.strictObject({ index: z.int(), name: z.string(), parameters: z.int() }),
    loss: z.string(),
    optimizer: z.string(),
    learningRate: z.number(),
    batchSize: z.int(),
    stepsPerEpoch: z.int(),
    epochs: z.int(),
    recordEvery: z.int(),
    trainingPoints: z.int(),
    seeds: z.array(z.int()),
    reduction: z.string(),
  }),
  /** Explained variance ratio of each of the two components; null when every run diverged. */
  pca: z.strictObject({ model: pair.nullable(), layer: pair.nullable() }),
  runs: z.array(runSchema),
  /** Loss on the plane through the first finished run's solution along its own trajectory's PCA directions; null when every run diverged. */
  surface: z
    .strictObject({
      seed: z.int(),
      directions: z.string(),
      explainedVariance: pair,
      alpha: z.array(z.number()),
      beta: z.array(z.number()),
      /** loss[j][i] at (alpha[i], beta[j]). */
      loss: z.array(z.array(z.number())),
      trajectory: z.strictObject({ epoch: z.array(z.int()), alpha: z.array(z.number()), beta: z.array(z.number()), loss: z.array(z.number()) }),
    })
    .nullable(),
});
export type OptimizationProcessData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'optimization-process',
  title: '1-2 Visualize the optimization process',
  schemaVersion: 1,
  datasets: [],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
