/** 1-2 Optimization, "What happens when the gradient is almost zero": config and artifact schemas. */
import { z } from 'zod';
import { nonFiniteSchema } from '../../core/divergence.ts';
import { deriveSeed } from '../../core/random.ts';
import { count, epochsSchema, hiddenSchema, limits } from '../../core/schemas.ts';
import type { StageSpec } from '../../core/stage.ts';
import { targetIds } from '../../data/targets.ts';
import { checkMlpSize } from '../../nn/mlp-shape.ts';

export const configSchema = z
  .strictObject({
    target: z.enum(targetIds),
    activation: z.enum(['relu', 'tanh']).default('tanh'),
    /** Widths of the hidden layers; the Hessian is n×n for n parameters, so keep it small. */
    hidden: hiddenSchema,
    /** Training inputs, drawn uniformly from [0, 1] once from baseSeed; the same for every run. */
    trainingPoints: count(limits.points, 2),
    /** Phase 1: full-batch Adam on the loss. */
    phase1: z.strictObject({
      learningRate: z.number().positive(),
      epochs: epochsSchema,
    }),
    /** Phase 2: Levenberg–Marquardt on the squared gradient norm. */
    phase2: z.strictObject({
      gradientThreshold: z.number().positive(),
      maxSteps: count(limits.steps),
      initialDamping: z.number().positive(),
      dampingIncrease: z.number().gt(1),
      dampingDecrease: z.number().gt(1),
      maxDamping: z.number().positive(),
    }),
    /** An eigenvalue counts as positive when it is above this. */
    eigenvalueTolerance: z.number().positive(),
    runs: count(limits.runs),
    baseSeed: z.int().nonnegative(),
  })
  .superRefine((config, ctx) => {
    checkMlpSize({ inputs: 1, outputs: 1, hidden: config.hidden, activation: config.activation }, ['hidden'], ctx, limits.hessianParameters);
    if (config.phase2.maxDamping <= config.phase2.initialDamping) {
      ctx.addIssue({ code: 'custom', path: ['phase2', 'maxDamping'], message: `expected maxDamping above initialDamping (${config.phase2.initialDamping})` });
    }
  });
export type MinimalRatioConfig = z.output<typeof configSchema>;

/** Each run's seed, derived from baseSeed: run i (1-based) uses deriveSeed(baseSeed, 'run', i). */
export const runSeeds = (config: Pick<MinimalRatioConfig, 'baseSeed' | 'runs'>): number[] =>
  Array.from({ length: config.runs }, (_, i) => deriveSeed(config.baseSeed, 'run', i + 1));

const runSchema = z.strictObject({
  run: z.int(),
  seed: z.int(),
  /** Where a NaN or infinity appeared; such a run has no result and is not drawn. */
  diverged: z.strictObject({ phase: z.enum(['phase 1', 'phase 2']), step: z.int(), value: nonFiniteSchema }).nullable(),
  /** Loss and ‖∇L‖ after phase 1 (null if it diverged). */
  phase1Loss: z.number().nullable(),
  phase1GradientNorm: z.number().nullable(),
  phase2Steps: z.int(),
  phase2AcceptedSteps: z.int(),
  /** Why phase 2 stopped: the gradient threshold, the step limit, or no step lowering ‖∇L‖ any more. */
  stop: z.enum(['threshold', 'step-limit', 'stalled', 'diverged']),
  /** At the end of phase 2; null when the run diverged. */
  loss: z.number().nullable(),
  gradientNorm: z.number().nullable(),
  minimalRatio: z.number().min(0).max(1).nullable(),
  minEigenvalue: z.number().nullable(),
  maxEigenvalue: z.number().nullable(),
  /** All eigenvalues of the Hessian, ascending. */
  eigenvalues: z.array(z.number()).nullable(),
});
export type MinimalRatioRun = z.infer<typeof runSchema>;

export const dataSchema = z.strictObject({
  setup: z.strictObject({
    target: z.string(),
    targetLabel: z.string(),
    activation: z.string(),
    layers: z.array(z.int()),
    parameters: z.int(),
    trainingPoints: z.int(),
    loss: z.string(),
    phase1: z.strictObject({ optimizer: z.string(), learningRate: z.number(), epochs: z.int() }),
    phase2: z.strictObject({
      method: z.string(),
      gradientThreshold: z.number(),
      maxSteps: z.int(),
      initialDamping: z.number(),
      dampingIncrease: z.number(),
      dampingDecrease: z.number(),
      maxDamping: z.number(),
    }),
    hessian: z.string(),
    eigenvalueTolerance: z.number(),
    runs: z.int(),
    baseSeed: z.int(),
  }),
  runs: z.array(runSchema),
});
export type MinimalRatioData = z.infer<typeof dataSchema>;

export const spec = {
  name: 'minimal-ratio',
  title: '1-2 What happens when the gradient is almost zero',
  schemaVersion: 1,
  datasets: [],
  configSchema,
  dataSchema,
  seeds: runSeeds,
} satisfies StageSpec<typeof configSchema, typeof dataSchema>;
