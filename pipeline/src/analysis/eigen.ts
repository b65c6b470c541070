/**
 * Eigenvalues of a symmetric matrix in float64 (mathjs), and the minimal
 * ratio of HOMEWORK 1-2: the fraction of the Hessian's eigenvalues that are
 * positive.
 */
import { eigs } from 'mathjs';

/** Largest |A_ij − A_ji| accepted, relative to the largest |A_ij|. */
const symmetryTolerance = 1e-8;

function rows(matrix: Float64Array, n: number): number[][] {
  if (!Number.isInteger(n) || n < 1 || matrix.length !== n * n) {
    throw new Error(`expected an ${n}×${n} matrix (${n * n} entries), got ${matrix.length} entries`);
  }
  let largest = 0;
  let asymmetry = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = matrix[i * n + j]!;
      if (!Number.isFinite(a)) throw new Error(`matrix entry (${i}, ${j}) is ${a}`);
      largest = Math.max(largest, Math.abs(a));
      asymmetry = Math.max(asymmetry, Math.abs(a - matrix[j * n + i]!));
    }
  }
  if (asymmetry > symmetryTolerance * largest) {
    throw new Error(`matrix is not symmetric: max |A_ij − A_ji| = ${asymmetry} vs max |A_ij| = ${largest}`);
  }
  // Exact symmetry for the solver; the difference is below the tolerance checked above.
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (matrix[i * n + j]! + matrix[j * n + i]!) / 2));
}

/** All n eigenvalues of a symmetric n×n row-major matrix, ascending. */
export function symmetricEigenvalues(matrix: Float64Array, n: number): number[] {
  const { values } = eigs(rows(matrix, n), { eigenvectors: false });
  return (values as number[]).map(Number).sort((a, b) => a - b);
}

/** (number of eigenvalues > tolerance) / (number of eigenvalues): 1 at a local minimum, less at a saddle. */
export function minimalRatio(eigenvalues: readonly number[], tolerance: number): number {
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new Error(`minimal ratio tolerance must be a positive number, got ${tolerance}`);
  }
  if (eigenvalues.length === 0) throw new Error('minimal ratio of no eigenvalues is undefined');
  return eigenvalues.filter((lambda) => lambda > tolerance).length / eigenvalues.length;
}
