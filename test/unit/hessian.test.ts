/**
 * analysis/hessian.ts: gradients, Hessian-vector products, full Hessians and
 * the squared gradient norm of an MLP loss in tfjs (reverse over reverse),
 * against the float64 reference (helpers/float64.ts), on cpu and wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientOf, hessian, hessianVectorProduct, type Loss, squaredGradientNorm } from '../../pipeline/src/analysis/hessian.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { unflatten } from '../../pipeline/src/nn/params.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { fromEigenvalues, hessian64, matVec, randomVector, relativeError } from '../helpers/float64.ts';
import { type MseProblem, mseOnTf, mseProblem, reference, referenceGradient, type TfProblem } from '../helpers/problems.ts';

/** The same MLP with tfjs's own tf.tanh, to keep the trap documented. */
function plainTanhMlp(params: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor = x;
  for (let l = 0; l < params.length / 2; l++) {
    h = tf.add(tf.matMul(h as tf.Tensor2D, params[2 * l] as tf.Tensor2D), params[2 * l + 1]!);
    if (l < params.length / 2 - 1) h = tf.tanh(h);
  }
  return h as tf.Tensor2D;
}

function plainTanhOnTf(problem: MseProblem): TfProblem {
  return mseOnTf(problem, (x, y) => (t) => tf.mean(tf.squaredDifference(plainTanhMlp(unflatten(t, problem.spec), x), y)));
}

const referenceHessian = (problem: MseProblem): Float64Array => hessian64(referenceGradient(problem), problem.theta);

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('exact Hessian of an MLP loss', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`matches the float64 reference through ${activation}`, () => {
      const problem = mseProblem(activation);
      const tfp = mseOnTf(problem);
      const gradient = gradientOf(tfp.loss, tfp.theta);
      expect(relativeError(gradient.dataSync(), reference(problem).gradient)).toBeLessThan(1e-5);
      expect(relativeError(hessian(tfp.loss, tfp.theta), referenceHessian(problem))).toBeLessThan(1e-3);
      gradient.dispose();
      tfp.dispose();
    });
  }

  it("is wrong through plain tf.tanh (tfjs 4.22's second-order gradient drops terms)", () => {
    const problem = mseProblem('tanh');
    const tfp = plainTanhOnTf(problem);
    // first order through tf.tanh is right; second order is not
    const gradient = gradientOf(tfp.loss, tfp.theta);
    expect(relativeError(gradient.dataSync(), reference(problem).gradient)).toBeLessThan(1e-5);
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
    const loss: Loss = (t) => tf.add(tf.mul(0.5, tf.sum(tf.mul(t, tf.squeeze(tf.matMul(matrix, tf.reshape(t, [n, 1])))))), tf.sum(tf.mul(b, t)));
    expect(relativeError(hessian(loss, theta), aSym)).toBeLessThan(1e-5);
    tf.dispose([matrix, b, theta]);
  });

  it('gives H·v from hessianVectorProduct', () => {
    const problem = mseProblem('tanh', 21);
    const tfp = mseOnTf(problem);
    const v = randomVector(problem.theta.length, createRng(5));
    const vTensor = tf.tensor1d(Float32Array.from(v));
    const hv = hessianVectorProduct(tfp.loss, tfp.theta, vTensor);
    expect(relativeError(hv.dataSync(), matVec(referenceHessian(problem), v))).toBeLessThan(1e-3);
    tf.dispose([hv, vTensor]);
    tfp.dispose();
  });

  for (const activation of ['relu', 'tanh'] as const) {
    it(`differentiates the squared gradient norm to 2·H·∇L through ${activation}`, () => {
      const problem = mseProblem(activation, 31);
      const tfp = mseOnTf(problem);
      const normLoss = squaredGradientNorm(tfp.loss);
      const { gradient } = reference(problem);
      const value = normLoss(tfp.theta);
      expect(value.dataSync()[0]).toBeCloseTo(
        gradient.reduce((s, g) => s + g * g, 0),
        5,
      );
      const normGradient = gradientOf(normLoss, tfp.theta);
      const expected = matVec(referenceHessian(problem), gradient).map((v) => 2 * v);
      expect(relativeError(normGradient.dataSync(), expected)).toBeLessThan(1e-3);
      tf.dispose([value, normGradient]);
      tfp.dispose();
    });
  }

  it('leaves no tensors behind', () => {
    const problem = mseProblem('tanh');
    const tfp = mseOnTf(problem);
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
      const problem = mseProblem('tanh');
      const tfp = mseOnTf(problem);
      expect(relativeError(hessian(tfp.loss, tfp.theta), referenceHessian(problem))).toBeLessThan(1e-3);
      tfp.dispose();
    });
  });
});
