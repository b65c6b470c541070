/**
 * Linear interpolation between two flat parameter vectors,
 * θ(α) = (1 − α)·θ₁ + α·θ₂, and the grid of α values it is evaluated on
 * (α outside [0, 1] extrapolates past either model).
 */

export function interpolate(theta1: Float32Array, theta2: Float32Array, alpha: number): Float32Array {
  if (theta1.length !== theta2.length) {
    throw new Error(`cannot interpolate parameter vectors of different lengths (${theta1.length} and ${theta2.length})`);
  }
  if (!Number.isFinite(alpha)) throw new Error(`α must be a finite number, got ${alpha}`);
  // α = 0 and α = 1 return copies, so the end points are the two models bit for bit.
  if (alpha === 0) return Float32Array.from(theta1);
  if (alpha === 1) return Float32Array.from(theta2);
  const out = new Float32Array(theta1.length);
  for (let i = 0; i < out.length; i++) out[i] = (1 - alpha) * theta1[i]! + alpha * theta2[i]!;
  return out;
}

/** `count` evenly spaced values from `from` to `to`, both included. */
export function alphaGrid(from: number, to: number, count: number): number[] {
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw new Error(`α range must be finite, got [${from}, ${to}]`);
  if (!(from < to)) throw new Error(`α range is reversed or empty: from (${from}) must be less than to (${to})`);
  if (!Number.isInteger(count) || count < 2) throw new Error(`α grid needs an integer count of at least 2, got ${count}`);
  // Computed from the index, not accumulated, so the ends are exact and no drift builds up.
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? to : from + ((to - from) * i) / (count - 1)));
}
