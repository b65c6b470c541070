/**
 * Sharpness as the Hessian's dominant eigenvalue, by power iteration on
 * Hessian-vector products, and a softmax cross-entropy over a flat θ that is
 * differentiable to second order in tfjs 4.22.
 *
 * Measured here (tfjs 4.22, cpu): tf.exp's gradient reads its saved output,
 * so a second derivative through it throws (exp alone) or is silently wrong
 * (d²/dx² of x²·eˣ at 0.7 off by 9%); tf.log's gradient dy/x is built from
 * differentiable ops and matched 1/x derivatives to ~1e-7 at second and third
 * order. tf.logSoftmax and tf.losses.softmaxCrossEntropy throw at second
 * order; tf.logSumExp needs a gradient of Equal; tfjs has no stopGradient.
 */
import * as tf from '@tensorflow/tfjs';
import { hessianVectorProduct, unflatten, type Loss } from './hessian.ts';
import { mlp, type MlpSpec } from './mlp.ts';
import { createRng } from './random.ts';

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
export function powerIteration(
  matVec: (v: Float64Array) => Float64Array,
  n: number,
  options: PowerIterationOptions,
): EigenEstimate {
  checkOptions(options);
  if (!Number.isInteger(n) || n < 1) throw new Error(`dimension must be a positive integer, got ${n}`);
  const rng = createRng(options.seed);
  let v: Float64Array = Float64Array.from({ length: n }, () => rng.normal());
  // A loop, not Math.hypot(...u): spreading a vector of a network's size overflows the stack.
  const norm2 = (u: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < u.length; i++) sum += u[i]! * u[i]!;
    return Math.sqrt(sum);
  };
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

/** eˣ whose gradient dy·eˣ calls this same function: exact at every order (tf.exp is not). */
export const exp: (x: tf.Tensor) => tf.Tensor = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  // The input must be saved: an unsaved intermediate is disposed before the backward pass runs.
  save([x]);
  return { value: tf.exp(x), gradFunc: (dy: tf.Tensor, [input]: tf.Tensor[]) => tf.mul(dy, exp(input!)) };
});

/**
 * The row max of z, shape [batch, 1], as a constant: its gradient is zero at
 * every order. The max must be taken inside the custom op: tf.max recorded on
 * the tape is back-propagated (even with a zero upstream gradient) through
 * its gradient, which uses Equal, and second order then fails for want of a
 * gradient of Equal. tfjs 4.22 has no stopGradient.
 */
export const constantRowMax: (z: tf.Tensor) => tf.Tensor = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [z] = args as [tf.Tensor];
  const shape = z.shape;
  return { value: tf.max(z, 1, true), gradFunc: () => tf.zeros(shape) };
});

/**
 * log Σ_j exp(z_ij) over axis 1, shape [batch]. The row max m is subtracted
 * for stability and treated as a constant: log Σ exp(z) = m + log Σ exp(z − m)
 * holds for any m, so its derivatives do not depend on m.
 */
export function logSumExp(z: tf.Tensor2D): tf.Tensor1D {
  const m = constantRowMax(z);
  return tf.reshape(tf.add(tf.log(tf.sum(exp(tf.sub(z, m)), 1, true)), m), [-1]) as tf.Tensor1D;
}

/**
 * Mean softmax cross-entropy of the MLP on (x, labels) as a function of θ
 * (layout of hessian.ts), differentiable to second order. `labels` holds
 * class indices (int32, one per row of x); the caller owns x and labels.
 */
export function crossEntropyLoss(spec: MlpSpec, x: tf.Tensor2D, labels: tf.Tensor1D): Loss {
  if (labels.shape[0] !== x.shape[0]) throw new Error(`expected one label per sample, got ${labels.shape[0]} labels for ${x.shape[0]} samples`);
  if (labels.dtype !== 'int32') throw new Error(`labels must be int32 class indices, got ${labels.dtype}`);
  return (theta) => {
    const logits = mlp(unflatten(theta, spec), x, spec.activation);
    const picked = tf.sum(tf.mul(tf.oneHot(labels, spec.outputs), logits), 1);
    return tf.mean(tf.sub(logSumExp(logits), picked)) as tf.Scalar;
  };
}
