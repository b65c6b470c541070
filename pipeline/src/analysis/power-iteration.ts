/**
 * Sharpness as the Hessian's dominant eigenvalue, by power iteration on
 * Hessian-vector products.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../core/random.ts';
import { hessianVectorProduct, type Loss } from './hessian.ts';
import { norm as norm2 } from './vector.ts';

export interface PowerIterationOptions {
  /** Maximum number of matrix-vector products. */
  iterations: number;
  /** Stop when |λ_k − λ_{k−1}| ≤ tolerance·|λ_k|. */
  tolerance: number;
  /** Seed of the random start vector. */
  seed: number;
}

export interface EigenEstimate {
  value: number;
  iterations: number;
  converged: boolean;
}

function checkOptions({ iterations, tolerance }: PowerIterationOptions): void {
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`iterations must be a positive integer, got ${iterations}`);
  if (!(tolerance > 0)) throw new Error(`tolerance must be positive, got ${tolerance}`);
}

/**
 * Power iteration for a symmetric operator. Returns the Rayleigh quotient
 * vᵀAv of the converged unit vector: the eigenvalue of LARGEST MAGNITUDE,
 * with its sign (so −5 for eigenvalues {−5, 3, 1}). Near a minimum the
 * Hessian's dominant eigenvalue is its largest positive one. When two
 * eigenvalues of opposite sign share the largest magnitude the iteration
 * does not settle and `converged` is false.
 */
export function powerIteration(matVec: (v: Float64Array) => Float64Array, n: number, options: PowerIterationOptions): EigenEstimate {
  checkOptions(options);
  if (!Number.isInteger(n) || n < 1) throw new Error(`dimension must be a positive integer, got ${n}`);
  const rng = createRng(options.seed);
  let v: Float64Array = Float64Array.from({ length: n }, () => rng.normal());
  const normalize = (u: Float64Array): Float64Array => {
    const norm = norm2(u);
    return norm === 0 ? u : u.map((x) => x / norm);
  };
  v = normalize(v);
  let previous = Number.NaN;
  for (let k = 1; k <= options.iterations; k++) {
    const av = matVec(v);
    if (av.length !== n) throw new Error(`matVec returned ${av.length} entries, expected ${n}`);
    let value = 0;
    for (let i = 0; i < n; i++) value += v[i]! * av[i]!;
    const norm = norm2(av);
    // A zero product: v lies in the null space, λ = 0 exactly.
    if (norm === 0) return { value: 0, iterations: k, converged: true };
    if (Math.abs(value - previous) <= options.tolerance * Math.abs(value)) return { value, iterations: k, converged: true };
    previous = value;
    v = av.map((x) => x / norm);
  }
  return { value: previous, iterations: options.iterations, converged: false };
}

/** Dominant eigenvalue of the Hessian of `loss` at θ (see powerIteration for its sign). */
export function topHessianEigenvalue(loss: Loss, theta: tf.Tensor1D, options: PowerIterationOptions): EigenEstimate {
  const matVec = (v: Float64Array): Float64Array => {
    const product = tf.tidy(() => hessianVectorProduct(loss, theta, tf.tensor1d(Float32Array.from(v))));
    const values = Float64Array.from(product.dataSync());
    product.dispose();
    return values;
  };
  return powerIteration(matVec, theta.size, options);
}
