/** 1-3 Generalization, "Flatness vs. generalization, part 2": config and artifact schemas. */
import { z } from 'zod';
import { divergenceSchema } from '../../core/divergence.ts';
import {
  checkBatchSize,
  checkUniqueSeeds,
  count,
  epochsSchema,
  hiddenSchema,
  limits,
  listOf,
  metricsSchema,
  seedsSchema,
  stopAtTrainingAccuracySchema,
} from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { subsetFields } from '../../data/subset-fields.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';
import { mnistMlp, mnistMlpSetupFields } from '../../train/mnist-mlp-setup.ts';

export const configSchema = z
  .strictObject({
    /** Hidden layer widths of the MLP (784 → hidden → 10, ReLU). */
    hidden: hiddenSchema,
    ...subsetFields,
    /** One model per batch size (at least five), increasing. */
    batchSizes: listOf(z.int().positive(), limits.listItems, 5),
    /** At most this many epochs (see stopAtTrainingAccuracy). */
    epochs: epochsSchema,
    stopAtTrainingAccuracy: stopAtTrainingAccuracySchema,
    learningRate: z.number().positive(),
    /** Test samples over which the input Jacobian's Frobenius norm is averaged. */
    sensitivitySamples: z.int().positive(),
    /** Largest eigenvalue of the training loss's Hessian, by power iteration on Hessian-vector products. */
    sharpness: z.strictObject({
      /** Training samples in the loss whose Hessian is taken. */
      samples: z.int().positive(),
      iterations: count(limits.steps),
      tolerance: z.number().positive(),
    }),
    seeds: seedsSchema,
  })
  .superRefine((config, ctx) => {
    checkMlpSize(mnistMlp(config.hidden), ['hidden'], ctx);
    config.batchSizes.forEach((b, i) => {
      if (i > 0 && b <= config.batchSizes[i - 1]!) {
        ctx.addIssue({
          code: 'custom',
          path: ['batchSizes', i],
          message: `expected batch sizes in increasing order, got ${b} after ${config.batchSizes[i - 1]}`,
        });
      }
      checkBatchSize(b, config.trainingSamples, ['batchSizes', i], ctx);
    });
    if (config.sensitivitySamples > config.testSamples) {
      ctx.addIssue({
        code: 'custom',
        path: ['sensitivitySamples'],
        message: `expected at most testSamples (${config.testSamples}), got ${config.sensitivitySamples}`,
      });
    }
    if (config.sharpness.samples > config.trainingSamples) {
      ctx.addIssue({
        code: 'custom',
        path: ['sharpness', 'samples'],
        message: `expected at most trainingSamples (${config.trainingSamples}), got ${config.sharpness.samples}`,
      });
    }
    checkUniqueSeeds(config.seeds, ctx);
  });
export type SensitivityConfig = z.output<typeof configSchema>;

const runSchema = z.strictObject({
  seed: z.int(),
  diverged: divergenceSchema.nullable(),
  epochsTrained: z.int(),
  /** The trained model; null when diverged. */
  train: metricsSchema.nullable(),
  test: metricsSchema.nullable(),
  /** Mean ‖∂softmax(f(x))/∂x‖_F over the first sensitivitySamples test samples. */
  sensitivity: z.number().nullable(),
  /** Dominant eigenvalue of the Hessian of the training loss (on sharpness.samples samples). */
  sharpness: z.strictObject({ value: z.number(), iterations: z.int(), converged: z.boolean() }).nullable(),
});
export type SensitivityRun = z.infer<typeof runSchema>;

export const dataSchema = z.strictObject({
  setup: z.strictObject({
    ...mnistMlpSetupFields,
    learningRate: z.number(),
    stopAtTrainingAccuracy: z.number().nullable(),
    sensitivitySamples: z.int(),
    sharpness: z.strictObject({ samples: z.int(), iterations: z.int(), tolerance: z.number(), method: z.string() }),
  }),
  models: z.array(z.strictObject({ batchSize: z.int(), stepsPerEpoch: z.int(), runs: z.array(runSchema) })),
});
export type SensitivityData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'flatness-sensitivity',
  title: '1-3 Flatness vs. generalization, part 2',
  schemaVersion: 1,
  datasets: ['mnist'],
  configSchema,
  dataSchema,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
