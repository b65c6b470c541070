/**
 * Small MLP problems seen identically by tfjs (float32) and by the float64
 * reference (./float64.ts): θ and the data are float32-representable, so
 * both sides evaluate exactly the same points.
 */
import * as tf from '@tensorflow/tfjs';
import type { Loss } from '../../pipeline/src/analysis/hessian.ts';
import { crossEntropyLoss, mlpLoss } from '../../pipeline/src/analysis/losses.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { initMlp } from '../../pipeline/src/nn/mlp.ts';
import type { Activation, MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';
import { flattenParams } from '../../pipeline/src/nn/params.ts';
import { crossEntropy64, type LossAndGradient, mse64 } from './float64.ts';

/** Regression: one input, one output per sample. */
export interface MseProblem {
  spec: MlpSpec;
  theta: Float64Array;
  x: Float64Array;
  y: Float64Array;
}

/** Classification: `x` row-major [samples, inputs], class indices in `labels`. */
export interface CeProblem {
  spec: MlpSpec;
  theta: Float64Array;
  x: Float64Array;
  labels: Int32Array;
}

/** θ of a seeded tfjs initialisation, as float64 (times `scale`, rounded back to float32). */
function initialTheta(spec: MlpSpec, rng: ReturnType<typeof createRng>, scale = 1): Float64Array {
  const params = initMlp(spec, rng);
  const flat = flattenParams(params);
  const theta = Float64Array.from(flat.dataSync(), (v) => Math.fround(scale * v));
  tf.dispose([...params, flat]);
  return theta;
}

/** An MLP 1-4-3-1 fitting sin(3x) at 16 points of [−1.5, 1.5]. */
export function mseProblem(activation: Activation, seed = 7): MseProblem {
  const spec: MlpSpec = { inputs: 1, hidden: [4, 3], outputs: 1, activation };
  const rng = createRng(seed);
  const theta = initialTheta(spec, rng);
  const x = Float64Array.from({ length: 16 }, () => Math.fround(rng.uniform(-1.5, 1.5)));
  const y = x.map((v) => Math.fround(Math.sin(3 * v)));
  return { spec, theta, x, y };
}

/** An MLP 2-4-3 classifying 8 points of [−2, 2]² into 3 random classes. */
export function ceProblem(activation: Activation, seed = 11): CeProblem {
  const spec: MlpSpec = { inputs: 2, hidden: [4], outputs: 3, activation };
  const rng = createRng(seed);
  // Larger weights than the init, so the Hessian is not dominated by one near-linear regime.
  const theta = initialTheta(spec, rng, 2);
  const x = Float64Array.from({ length: 16 }, () => Math.fround(rng.uniform(-2, 2)));
  const labels = Int32Array.from({ length: 8 }, () => rng.int(3));
  return { spec, theta, x, labels };
}

/** The float64 loss and gradient of a problem at θ (its own θ by default). */
export function reference(problem: MseProblem | CeProblem, theta: ArrayLike<number> = problem.theta): LossAndGradient {
  return 'labels' in problem ? crossEntropy64(problem.spec, theta, problem.x, problem.labels) : mse64(problem.spec, theta, problem.x, problem.y);
}

/** θ ↦ the float64 gradient of a problem. */
export const referenceGradient =
  (problem: MseProblem | CeProblem) =>
  (theta: Float64Array): Float64Array =>
    reference(problem, theta).gradient;

export interface TfProblem {
  loss: Loss;
  theta: tf.Tensor1D;
  dispose: () => void;
}

/** The regression problem in tfjs: analysis/losses.ts's mlpLoss, or another loss of (x, y). */
export function mseOnTf(problem: MseProblem, loss: (x: tf.Tensor2D, y: tf.Tensor2D) => Loss = (x, y) => mlpLoss(problem.spec, x, y)): TfProblem {
  const x = tf.tensor2d(Float32Array.from(problem.x), [problem.x.length, 1]);
  const y = tf.tensor2d(Float32Array.from(problem.y), [problem.y.length, 1]);
  const theta = tf.tensor1d(Float32Array.from(problem.theta));
  return { loss: loss(x, y), theta, dispose: () => tf.dispose([x, y, theta]) };
}

/** The classification problem in tfjs: analysis/losses.ts's crossEntropyLoss. */
export function crossEntropyOnTf(problem: CeProblem): TfProblem {
  const x = tf.tensor2d(Float32Array.from(problem.x), [problem.labels.length, problem.spec.inputs]);
  const labels = tf.tensor1d(problem.labels, 'int32');
  const theta = tf.tensor1d(Float32Array.from(problem.theta));
  return { loss: crossEntropyLoss(problem.spec, x, labels), theta, dispose: () => tf.dispose([x, labels, theta]) };
}
