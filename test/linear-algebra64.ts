/** Float64 helpers for tests: known matrices and errors, computed without tfjs. */
import type { Activation } from '../pipeline/src/mlp.ts';
import type { Rng } from '../pipeline/src/random.ts';

export const act = (a: Activation, z: number): number => (a === 'relu' ? Math.max(z, 0) : Math.tanh(z));
export const actPrime = (a: Activation, z: number): number => (a === 'relu' ? (z > 0 ? 1 : 0) : 1 - Math.tanh(z) ** 2);

/** ‖actual − expected‖ / ‖expected‖. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i]! - expected[i]!) ** 2;
    norm += expected[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

/** Normal entries rounded to float32, so tfjs sees the same vector. */
export function randomVector(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(rng.normal()));
}

/** m·v for a row-major n×n matrix. */
export function matVec(m: Float64Array, v: ArrayLike<number>): Float64Array {
  const n = v.length;
  return Float64Array.from({ length: n }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += m[i * n + j]! * v[j]!;
    return sum;
  });
}

/** Product of Householder reflections I − 2uuᵀ/uᵀu: a random orthogonal matrix. */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  let q = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  for (let r = 0; r < n; r++) {
    const u = randomVector(n, rng);
    const uu = u.reduce((s, v) => s + v * v, 0);
    const qu = matVec(q, u);
    q = q.map((v, k) => v - (2 * qu[Math.floor(k / n)]! * u[k % n]!) / uu);
  }
  return q;
}

/** Q·diag(λ)·Qᵀ with a random orthogonal Q: a symmetric matrix with known eigenvalues. */
export function fromEigenvalues(lambdas: readonly number[], rng: Rng): Float64Array {
  const n = lambdas.length;
  const q = randomOrthogonal(n, rng);
  return Float64Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    return lambdas.reduce((s, l, m) => s + q[i * n + m]! * l * q[j * n + m]!, 0);
  });
}
