/**
 * Exact second derivatives of a loss over a flat parameter vector θ:
 * gradients, Hessian-vector products (reverse over reverse), the full Hessian
 * and the squared gradient norm as a loss of its own. Exact only through ops
 * whose gradients are differentiable again (see losses.ts and nn/mlp.ts's
 * tanh); tested against float64 finite differences.
 */
import * as tf from '@tensorflow/tfjs';

export type Loss = (theta: tf.Tensor1D) => tf.Scalar;

/** θ ↦ ∇L(θ); the cast only narrows tf.grad's rank-agnostic signature. */
function gradientFunction(loss: Loss): (theta: tf.Tensor1D) => tf.Tensor1D {
  return tf.grad(loss as (x: tf.Tensor) => tf.Tensor) as (theta: tf.Tensor1D) => tf.Tensor1D;
}

export function gradientOf(loss: Loss, theta: tf.Tensor1D): tf.Tensor1D {
  return gradientFunction(loss)(theta);
}

/** H·v as the gradient of ⟨∇L(θ), v⟩. */
export function hessianVectorProduct(loss: Loss, theta: tf.Tensor1D, v: tf.Tensor1D): tf.Tensor1D {
  const directional: Loss = (t) => tf.sum(tf.mul(gradientOf(loss, t), v));
  return tf.tidy(() => gradientOf(directional, theta));
}

/** The n×n Hessian, row-major, column j = H·e_j, symmetrized as (H + Hᵀ)/2. */
export function hessian(loss: Loss, theta: tf.Tensor1D): Float64Array {
  const n = theta.size;
  const h = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    // A fresh array per column: the cpu backend may keep the array it was given instead of copying it.
    const unit = new Float32Array(n);
    unit[j] = 1;
    const column = tf.tidy(() => hessianVectorProduct(loss, theta, tf.tensor1d(unit)).dataSync());
    for (let i = 0; i < n; i++) h[i * n + j] = column[i]!;
  }
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const mean = (h[i * n + j]! + h[j * n + i]!) / 2;
      h[i * n + j] = mean;
      h[j * n + i] = mean;
    }
  }
  return h;
}

/** θ ↦ ‖∇L(θ)‖², itself differentiable (its gradient is 2·H·∇L). */
export function squaredGradientNorm(loss: Loss): Loss {
  return (theta) => tf.sum(tf.square(gradientOf(loss, theta)));
}
