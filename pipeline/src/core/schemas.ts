/**
 * Schema pieces stages share, for their configs and for the data they write:
 * one definition each, so two stages never check the same thing differently.
 */
import { z } from 'zod';

// ---- configs ----

/** A model's short name in figures and tables. */
export const modelName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lower-case name of letters, digits and dashes');

/** Widths of the hidden layers, input side first. */
export const hiddenSchema = z.array(z.int().positive()).min(1);

export const seedsSchema = z.array(z.int().nonnegative()).min(1);

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
