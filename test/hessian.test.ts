import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../pipeline/src/backend.ts';
import { minimalRatio, symmetricEigenvalues } from '../pipeline/src/eigen.ts';
import {
  flattenParams,
  gradientOf,
  hessian,
  hessianVectorProduct,
  mlpLoss,
  squaredGradientNorm,
  unflatten,
  type Loss,
} from '../pipeline/src/hessian.ts';
import { initMlp, layerSizes, type Activation, type MlpSpec } from '../pipeline/src/mlp.ts';
import { createRng } from '../pipeline/src/random.ts';
import { act, actPrime, fromEigenvalues, matVec, randomVector, relativeError } from './linear-algebra64.ts';

// ---- float64 reference, no tfjs: forward pass, hand-written backprop, Hessian by differences of the gradient ----

interface Problem {
  spec: MlpSpec;
  theta: Float64Array;
  x: Float64Array;
  y: Float64Array;
}


/** Loss and gradient of the MLP's mean squared error, with one input and one output per sample. */
function referenceLossAndGradient({ spec, theta, x, y }: Problem): { loss: number; gradient: Float64Array } {
  const sizes = layerSizes(spec);
  const layers = sizes.length - 1;
  const offsets: number[] = [];
  let offset = 0;
  for (let l = 0; l < layers; l++) {
    offsets.push(offset);
    offset += sizes[l]! * sizes[l + 1]! + sizes[l + 1]!;
  }
  const gradient = new Float64Array(theta.length);
  let loss = 0;
  for (let s = 0; s < x.length; s++) {
    const inputs: Float64Array[] = [Float64Array.of(x[s]!)];
    const pre: Float64Array[] = [];
    for (let l = 0; l < layers; l++) {
      const [nIn, nOut, w] = [sizes[l]!, sizes[l + 1]!, offsets[l]!];
      const z = new Float64Array(nOut);
      for (let o = 0; o < nOut; o++) {
        let sum = theta[w + nIn * nOut + o]!;
        for (let i = 0; i < nIn; i++) sum += inputs[l]![i]! * theta[w + i * nOut + o]!;
        z[o] = sum;
      }
      pre.push(z);
      inputs.push(l < layers - 1 ? z.map((v) => act(spec.activation, v)) : z);
    }
    const residual = inputs[layers]![0]! - y[s]!;
    loss += residual ** 2 / x.length;
    let dz = Float64Array.of((2 * residual) / x.length);
    for (let l = layers - 1; l >= 0; l--) {
      const [nIn, nOut, w] = [sizes[l]!, sizes[l + 1]!, offsets[l]!];
      const dh = new Float64Array(nIn);
      for (let o = 0; o < nOut; o++) {
        gradient[w + nIn * nOut + o]! += dz[o]!;
        for (let i = 0; i < nIn; i++) {
          gradient[w + i * nOut + o]! += inputs[l]![i]! * dz[o]!;
          dh[i]! += theta[w + i * nOut + o]! * dz[o]!;
        }
      }
      if (l > 0) dz = dh.map((v, i) => v * actPrime(spec.activation, pre[l - 1]![i]!));
    }
  }
  return { loss, gradient };
}

/** Central differences of the float64 gradient, symmetrized. */
function referenceHessian(problem: Problem, step = 1e-5): Float64Array {
  const n = problem.theta.length;
  const h = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const shifted = (delta: number): Float64Array => {
      const theta = Float64Array.from(problem.theta);
      theta[j]! += delta;
      return referenceLossAndGradient({ ...problem, theta }).gradient;
    };
    const [plus, minus] = [shifted(step), shifted(-step)];
    for (let i = 0; i < n; i++) h[i * n + j] = (plus[i]! - minus[i]!) / (2 * step);
  }
  return h.map((_, k) => (h[k]! + h[(k % n) * n + Math.floor(k / n)]!) / 2);
}

// ---- a small problem seen identically by tfjs (float32) and the reference (float64) ----

function makeProblem(activation: Activation, seed = 7): Problem {
  const spec: MlpSpec = { inputs: 1, hidden: [4, 3], outputs: 1, activation };
  const rng = createRng(seed);
  const params = initMlp(spec, rng);
  const flat = flattenParams(params);
  const theta = Float64Array.from(flat.dataSync());
  tf.dispose([...params, flat]);
  // float32-representable data, so both sides fit exactly the same points
  const x = Float64Array.from({ length: 16 }, () => Math.fround(rng.uniform(-1.5, 1.5)));
  const y = x.map((v) => Math.fround(Math.sin(3 * v)));
  return { spec, theta, x, y };
}

interface TfProblem {
  loss: Loss;
  theta: tf.Tensor1D;
  dispose: () => void;
}

/** The same MLP with tfjs's own tf.tanh, to keep the trap documented. */
function plainTanhMlp(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor = x;
  for (let l = 0; l < params.length / 2; l++) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, params[2 * l] as tf.Tensor2D), params[2 * l + 1]!);
    if (l < params.length / 2 - 1) h = tf.tanh(h);
  }
  return h as tf.Tensor2D;
}

function toTf(problem: Problem, forward: 'second-order' | 'tf.tanh' = 'second-order'): TfProblem {
  const x = tf.tensor2d(Float32Array.from(problem.x), [problem.x.length, 1]);
  const y = tf.tensor2d(Float32Array.from(problem.y), [problem.y.length, 1]);
  const theta = tf.tensor1d(Float32Array.from(problem.theta));
  const loss: Loss =
    forward === 'second-order'
      ? mlpLoss(problem.spec, x, y)
      : (t) => tf.mean(tf.squaredDifference(plainTanhMlp(unflatten(t, problem.spec), x), y));
  return { loss, theta, dispose: () => tf.dispose([x, y, theta]) };
}

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('float64 reference', () => {
  it('has a gradient that matches differences of its loss', () => {
    const problem = makeProblem('tanh');
    const { gradient } = referenceLossAndGradient(problem);
    const step = 1e-6;
    const numeric = problem.theta.map((_, j) => {
      const at = (delta: number): number => {
        const theta = Float64Array.from(problem.theta);
        theta[j]! += delta;
        return referenceLossAndGradient({ ...problem, theta }).loss;
      };
      return (at(step) - at(-step)) / (2 * step);
    });
    expect(relativeError(gradient, numeric)).toBeLessThan(1e-7);
  });
});

describe('exact Hessian of an MLP loss', () => {
  it('recovers the MLP parameters from θ in order [W1, b1, …]', () => {
    const spec: MlpSpec = { inputs: 1, hidden: [4, 3], outputs: 1, activation: 'relu' };
    const params = initMlp(spec, createRng(3));
    const theta = flattenParams(params);
    const parts = unflatten(theta, spec);
    expect(parts.map((p) => p.shape)).toEqual(params.map((p) => p.shape));
    parts.forEach((p, i) => expect(Array.from(p.dataSync())).toEqual(Array.from(params[i]!.dataSync())));
    expect(() => unflatten(tf.zeros([3]) as tf.Tensor1D, spec)).toThrow(/3 entries/);
    tf.dispose([...params, theta, ...parts]);
  });

  for (const activation of ['relu', 'tanh'] as const) {
    it(`matches the float64 reference through ${activation}`, () => {
      const problem = makeProblem(activation);
      const tfp = toTf(problem);
      const gradient = gradientOf(tfp.loss, tfp.theta);
      expect(relativeError(gradient.dataSync(), referenceLossAndGradient(problem).gradient)).toBeLessThan(1e-5);
      expect(relativeError(hessian(tfp.loss, tfp.theta), referenceHessian(problem))).toBeLessThan(1e-3);
      gradient.dispose();
      tfp.dispose();
    });
  }

  it("is wrong through plain tf.tanh (tfjs 4.22's second-order gradient drops terms)", () => {
    const problem = makeProblem('tanh');
    const tfp = toTf(problem, 'tf.tanh');
    // first order through tf.tanh is right; second order is not
    const gradient = gradientOf(tfp.loss, tfp.theta);
    expect(relativeError(gradient.dataSync(), referenceLossAndGradient(problem).gradient)).toBeLessThan(1e-5);
    expect(relativeError(hessian(tfp.loss, tfp.theta), referenceHessian(problem))).toBeGreaterThan(0.05);
    gradient.dispose();
    tfp.dispose();
  });

  it('equals A for ½θᵀAθ + bᵀθ, negative eigenvalues included', () => {
    const rng = createRng(11);
    const n = 6;
    const a = fromEigenvalues([-4, -1, 0.5, 1, 2, 5], rng).map(Math.fround);
    const aSym = a.map((_, k) => a[(k % n) * n + Math.floor(k / n)]!);
    const matrix = tf.tensor2d(Float32Array.from(aSym), [n, n]);
    const b = tf.tensor1d(Float32Array.from(randomVector(n, rng)));
    const theta = tf.tensor1d(Float32Array.from(randomVector(n, rng)));
    const loss: Loss = (t) =>
      tf.add(tf.mul(0.5, tf.sum(tf.mul(t, tf.squeeze(tf.matMul(matrix, tf.reshape(t, [n, 1])))))), tf.sum(tf.mul(b, t)));
    expect(relativeError(hessian(loss, theta), aSym)).toBeLessThan(1e-5);
    tf.dispose([matrix, b, theta]);
  });

  it('gives H·v from hessianVectorProduct', () => {
    const problem = makeProblem('tanh', 21);
    const tfp = toTf(problem);
    const v = randomVector(problem.theta.length, createRng(5));
    const vTensor = tf.tensor1d(Float32Array.from(v));
    const hv = hessianVectorProduct(tfp.loss, tfp.theta, vTensor);
    expect(relativeError(hv.dataSync(), matVec(referenceHessian(problem), v))).toBeLessThan(1e-3);
    tf.dispose([hv, vTensor]);
    tfp.dispose();
  });

  for (const activation of ['relu', 'tanh'] as const) {
    it(`differentiates the squared gradient norm to 2·H·∇L through ${activation}`, () => {
      const problem = makeProblem(activation, 31);
      const tfp = toTf(problem);
      const normLoss = squaredGradientNorm(tfp.loss);
      const { gradient } = referenceLossAndGradient(problem);
      const value = normLoss(tfp.theta);
      expect(value.dataSync()[0]).toBeCloseTo(gradient.reduce((s, g) => s + g * g, 0), 5);
      const normGradient = gradientOf(normLoss, tfp.theta);
      const expected = matVec(referenceHessian(problem), gradient).map((v) => 2 * v);
      expect(relativeError(normGradient.dataSync(), expected)).toBeLessThan(1e-3);
      tf.dispose([value, normGradient]);
      tfp.dispose();
    });
  }

  it('leaves no tensors behind', () => {
    const problem = makeProblem('tanh');
    const tfp = toTf(problem);
    const before = tf.memory().numTensors;
    hessian(tfp.loss, tfp.theta);
    hessianVectorProduct(tfp.loss, tfp.theta, tfp.theta).dispose();
    gradientOf(squaredGradientNorm(tfp.loss), tfp.theta).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tfp.dispose();
  });

  describe('on the wasm backend', () => {
    beforeAll(async () => {
      await selectBackend('wasm');
    });
    afterAll(async () => {
      await selectBackend('cpu');
    });

    it('matches the float64 reference through tanh', () => {
      expect(tf.getBackend()).toBe('wasm');
      const problem = makeProblem('tanh');
      const tfp = toTf(problem);
      expect(relativeError(hessian(tfp.loss, tfp.theta), referenceHessian(problem))).toBeLessThan(1e-3);
      tfp.dispose();
    });
  });
});

describe('eigenvalues and minimal ratio', () => {
  it('finds known eigenvalues of Q·diag(λ)·Qᵀ, negative ones included', () => {
    const lambdas = [-3, -0.5, 0, 1e-3, 2, 7];
    const matrix = fromEigenvalues(lambdas, createRng(2));
    const found = symmetricEigenvalues(matrix, lambdas.length);
    found.forEach((l, i) => expect(Math.abs(l - lambdas[i]!)).toBeLessThan(1e-9));
  });

  it('is ½ at the saddle of x² − y² and 1 for a positive definite matrix', () => {
    const theta = tf.tensor1d([0.3, -0.2]);
    const saddle: Loss = (t) => tf.sum(tf.mul(tf.square(t), tf.tensor1d([1, -1])));
    const eigenvalues = symmetricEigenvalues(hessian(saddle, theta), 2);
    expect(eigenvalues).toEqual([-2, 2]);
    expect(minimalRatio(eigenvalues, 1e-6)).toBe(0.5);
    theta.dispose();
    const definite = fromEigenvalues([0.1, 1, 3, 8], createRng(4));
    expect(minimalRatio(symmetricEigenvalues(definite, 4), 1e-6)).toBe(1);
  });

  it('counts only eigenvalues strictly above the tolerance as positive', () => {
    const tol = 1e-4;
    expect(minimalRatio([tol, -tol, 2 * tol, 0], tol)).toBe(0.25);
    expect(minimalRatio([-1, -2], tol)).toBe(0);
    for (const bad of [0, -1e-3, Number.NaN, Infinity]) {
      expect(() => minimalRatio([1, 2], bad)).toThrow(/tolerance must be a positive number/);
    }
    expect(() => minimalRatio([], tol)).toThrow(/no eigenvalues/);
  });

  it('rejects a non-symmetric or misshapen matrix', () => {
    expect(() => symmetricEigenvalues(Float64Array.of(1, 2, 2.001, 1), 2)).toThrow(/not symmetric/);
    expect(symmetricEigenvalues(Float64Array.of(1, 2, 2 + 1e-12, 1), 2)[1]).toBeCloseTo(3, 9);
    expect(() => symmetricEigenvalues(Float64Array.of(1, 2, 3), 2)).toThrow(/2×2/);
  });
});
