/** Divergence: a loss, gradient or output that stopped being a finite number. */

/** How a non-finite number is stored (JSON cannot hold NaN or ±Infinity). */
export type NonFinite = 'NaN' | 'Infinity' | '-Infinity';

export interface Divergence {
  /** 1-based epoch whose loss was not finite. */
  epoch: number;
  value: NonFinite;
}

/** The first non-finite number among `values`, or null when every one is finite. */
export function firstNonFinite(values: ArrayLike<number>): NonFinite | null {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  }
  return null;
}
