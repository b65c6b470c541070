/** Divergence: a loss, gradient or output that stopped being a finite number, and how artifacts record it. */
import { z } from 'zod';

/** How a non-finite number is stored (JSON cannot hold NaN or ±Infinity). */
export const nonFiniteSchema = z.enum(['NaN', 'Infinity', '-Infinity']);
export type NonFinite = z.infer<typeof nonFiniteSchema>;

/** A run stopped in this epoch (1-based) because its loss was not finite. */
export const divergenceSchema = z.strictObject({ epoch: z.int(), value: nonFiniteSchema });
export type Divergence = z.infer<typeof divergenceSchema>;

/** The first non-finite number among `values`, or null when every one is finite. */
export function firstNonFinite(values: ArrayLike<number>): NonFinite | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  }
  return null;
}
