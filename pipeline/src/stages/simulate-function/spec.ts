/** 1-1 Deep vs shallow, "Simulate a function": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import {
  checkParameterCount,
  checkParameterSpread,
  checkUniqueNames,
  count,
  epochsSchema,
  hiddenSchema,
  limits,
  listOf,
  modelName,
  seedsSchema,
} from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { targetIds } from '../../data/targets.ts';
import { denseLayerSchema, parameterCount } from '../../nn/mlp-shape.ts';

const modelSchema = z.strictObject({
  /** Short name used in figures and tables. */
  name: modelName,
  hidden: hiddenSchema,
});

export const configSchema = z
  .strictObject({
    functions: z.array(z.enum(targetIds)).min(2),
    activation: z.enum(['relu', 'tanh']).default('relu'),
    models: listOf(modelSchema, limits.models, 3),
    /** Largest allowed relative difference between parameter counts: (max − min) / min. */
    maxParameterSpread: z.number().positive().max(1).default(0.02),
    seeds: seedsSchema,
    epochs: epochsSchema,
    learningRate: z.number().positive(),
    /** Training inputs, drawn uniformly from [0, 1] per seed. */
    trainingPoints: count(limits.points, 2),
    /** Evenly spaced points on [0, 1] where predictions are recorded. */
    gridPoints: count(limits.gridPoints, 2),
  })
  .superRefine((config, ctx) => {
    checkUniqueNames(config.models, ['models'], ctx);
    if (new Set(config.functions).size !== config.functions.length) {
      ctx.addIssue({ code: 'custom', path: ['functions'], message: 'each function may appear once' });
    }
    if (new Set(config.models.map((m) => m.hidden.length)).size < 2) {
      ctx.addIssue({ code: 'custom', path: ['models'], message: 'expected models of at least two different depths' });
    }
    const counts = config.models.map((m) => parameterCount({ inputs: 1, outputs: 1, hidden: m.hidden, activation: config.activation }));
    counts.forEach((n, i) => {
      checkParameterCount(n, ['models', i, 'hidden'], ctx);
    });
    checkParameterSpread(
      config.models.map((m) => m.name),
      counts,
      config.maxParameterSpread,
      ctx,
    );
  });
export type SimulateFunctionConfig = z.output<typeof configSchema>;

const runSchema = z.strictObject({
  seed: z.int(),
  /** Training loss (MSE) per epoch; ends early when the run diverged. */
  losses: z.array(z.number()),
  diverged: divergenceSchema.nullable(),
  /** Training MSE of the trained model; null when diverged. */
  finalLoss: z.number().nullable(),
  /** MSE against the target on the dense grid; null when diverged. */
  gridLoss: z.number().nullable(),
  /** Prediction on the dense grid; null when diverged. */
  prediction: z.array(z.number()).nullable(),
});
export type FitRun = z.infer<typeof runSchema>;

export const dataSchema = z.strictObject({
  training: z.strictObject({
    optimizer: z.string(),
    learningRate: z.number(),
    epochs: z.int(),
    batch: z.string(),
    loss: z.string(),
    activation: z.string(),
    trainingPoints: z.int(),
    gridPoints: z.int(),
    seeds: z.array(z.int()),
  }),
  models: z.array(
    z.strictObject({
      name: z.string(),
      depth: z.int(),
      hidden: z.array(z.int()),
      parameters: z.int(),
      layers: z.array(denseLayerSchema),
    }),
  ),
  functions: z.array(
    z.strictObject({
      id: z.string(),
      label: z.string(),
      tex: z.string(),
      grid: z.strictObject({ x: z.array(z.number()), y: z.array(z.number()) }),
      results: z.array(z.strictObject({ model: z.string(), runs: z.array(runSchema) })),
    }),
  ),
});
export type SimulateFunctionData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'simulate-function',
  title: '1-1 Simulate a function',
  schemaVersion: 1,
  datasets: [],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
