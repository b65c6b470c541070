/**
 * Schema pieces stages share, for their configs and for the data they write:
 * one definition each, so two stages never check the same thing differently.
 */
import { z } from 'zod';

// ---- bounds ----

/** An upper bound, and why no config may go past it. */
export interface Limit {
  max: number;
  why: string;
}

/**
 * Upper bounds of every size and count a config can ask for. Past them no
 * machine this report is meant for (a laptop, a CI runner, one GPU) could
 * hold the run in memory or finish it, so such a config fails at validation,
 * in every profile, before any training, saying why. Each bound is far above
 * what the report's own configs use (in brackets).
 */
export const limits = {
  seeds: { max: 1000, why: 'each seed trains every model once more [the report uses at most 8]' },
  epochs: { max: 100_000, why: 'more epochs than any run here could finish in days [the report uses at most 6,000]' },
  steps: { max: 100_000, why: 'more iterations than any run here could finish in days [the report uses at most 800]' },
  runs: { max: 10_000, why: 'each run trains a model and takes its Hessian [the report uses 100]' },
  hiddenLayers: { max: 64, why: 'deeper than any network this report studies [the report uses at most 6]' },
  width: { max: 8192, why: 'a dense layer of this width squared is 67 million weights [the report uses at most 512]' },
  points: { max: 100_000, why: "every model's activations at every point are held at once [the report uses at most 512]" },
  gridPoints: { max: 10_000, why: "each run's prediction at every grid point is kept in the artifact [the report uses 401]" },
  models: { max: 32, why: 'each model is trained with every seed, and drawn in one figure [the report uses at most 4]' },
  listItems: { max: 64, why: 'each item is a model trained with every seed, and a point of one figure [the report uses at most 10]' },
  resolution: { max: 1000, why: 'the loss is evaluated at resolution × resolution points of the plane [the report uses at most 41]' },
  alphas: { max: 10_000, why: 'each value of α evaluates both models on the training and test sets [the report uses at most 61]' },
  parameters: {
    max: 20_000_000,
    why: "a parameter takes 16 bytes in training (its weight, gradient and Adam's two moments), 320 MB a model in each worker thread [the report uses at most 407,050]",
  },
  hessianParameters: {
    max: 2000,
    why: 'the Hessian is n × n in float64 and each run decomposes it, O(n³) [the report uses 61]',
  },
} as const satisfies Record<string, Limit>;

/** A count (`min` and up) no larger than `limit`; past it, the config error gives the limit's reason (core/config.ts). */
export const count = (limit: Limit, min = 1) => z.int().min(min).max(limit.max, limit.why);

/** A list of at least `min` items, at most `limit.max` of them. */
export const listOf = <T extends z.ZodType>(item: T, limit: Limit, min = 1) => z.array(item).min(min).max(limit.max, limit.why);

/** Flags a parameter count past `limit` at `path`. */
export function checkParameterCount(parameters: number, path: Array<string | number>, ctx: z.RefinementCtx, limit: Limit = limits.parameters): void {
  if (parameters > limit.max) {
    ctx.addIssue({
      code: 'custom',
      path,
      message: `expected a model of at most ${limit.max.toLocaleString('en-US')} parameters, got ${parameters.toLocaleString('en-US')}: ${limit.why}`,
    });
  }
}

// ---- configs ----

/** A model's short name in figures and tables. */
export const modelName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name of letters, digits and dashes');

/** Widths of the hidden layers, input side first. */
export const hiddenSchema = listOf(count(limits.width), limits.hiddenLayers);

export const seedsSchema = listOf(z.int().nonnegative(), limits.seeds);

/** At most this many epochs. */
export const epochsSchema = count(limits.epochs);

/**
 * Train until the running training accuracy of an epoch reaches this fraction
 * (at most `epochs` epochs), so models trained in different ways are compared
 * at the same fit of the training data rather than after the same time.
 */
export const stopAtTrainingAccuracySchema = z.number().gt(0).max(1).optional();

/** Flags every repeated name in `items`, at `path`[i].name. */
export function checkUniqueNames(items: ReadonlyArray<{ name: string }>, path: Array<string | number>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) ctx.addIssue({ code: 'custom', path: [...path, i, 'name'], message: `duplicate model name "${item.name}"` });
    seen.add(item.name);
  });
}

export function checkUniqueSeeds(seeds: readonly number[], ctx: z.RefinementCtx): void {
  if (new Set(seeds).size !== seeds.length) ctx.addIssue({ code: 'custom', path: ['seeds'], message: 'each seed may appear once' });
}

/** A batch larger than the training set would silently be the whole set: an error instead. `field` names the set's size in the config. */
export function checkBatchSize(
  batchSize: number,
  trainingSamples: number,
  path: Array<string | number>,
  ctx: z.RefinementCtx,
  field = 'trainingSamples',
): void {
  if (batchSize > trainingSamples) {
    ctx.addIssue({ code: 'custom', path, message: `expected a batch size of at most ${field} (${trainingSamples}), got ${batchSize}` });
  }
}

/** Flags parameter counts whose spread (max − min) / min exceeds `maxSpread`; `where` names the input shape if it matters. */
export function checkParameterSpread(names: readonly string[], counts: readonly number[], maxSpread: number, ctx: z.RefinementCtx, where = ''): void {
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  if ((max - min) / min <= maxSpread) return;
  ctx.addIssue({
    code: 'custom',
    path: ['models'],
    message:
      `expected parameter counts within ${+(maxSpread * 100).toFixed(1)}% of each other${where}, got ` +
      names.map((n, i) => `${n}=${counts[i]}`).join(', ') +
      ` (spread ${(((max - min) / min) * 100).toFixed(1)}%)`,
  });
}

// ---- data ----

/** A classifier's mean cross-entropy and accuracy (a fraction) on a set of samples. */
export const metricsSchema = z.strictObject({ loss: z.number(), accuracy: z.number().min(0).max(1) });
export type Metrics = z.infer<typeof metricsSchema>;
