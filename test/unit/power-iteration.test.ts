/** analysis/power-iteration.ts: the dominant eigenvalue by power iteration, and the sharpness λmax of a loss's Hessian. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { symmetricEigenvalues } from '../../pipeline/src/analysis/eigen.ts';
import { powerIteration, topHessianEigenvalue } from '../../pipeline/src/analysis/power-iteration.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { fromEigenvalues, hessian64, matVec } from '../helpers/float64.ts';
import { ceProblem, crossEntropyOnTf, referenceGradient } from '../helpers/problems.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('powerIteration', () => {
  const options = { iterations: 2000, tolerance: 1e-12, seed: 4 };
  const run = (lambdas: number[]) => {
    const a = fromEigenvalues(lambdas, createRng(8));
    return powerIteration((v) => matVec(a, v), lambdas.length, options);
  };

  it('finds the top eigenvalue of a known symmetric matrix', () => {
    const r = run([5, 3, 1, -2, 0.5, 4]);
    expect(r.converged).toBe(true);
    expect(r.value).toBeCloseTo(5, 8);
  });

  it('returns the eigenvalue of largest magnitude with its sign when it is negative', () => {
    const r = run([-5, 3, 1, 0.5, 4]);
    expect(r.converged).toBe(true);
    expect(r.value).toBeCloseTo(-5, 8);
  });

  it('reports non-convergence within too few iterations, and validates its options', () => {
    const r = powerIteration((v) => matVec(fromEigenvalues([1, 0.999, 0.5], createRng(8)), v), 3, { iterations: 3, tolerance: 1e-12, seed: 4 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(() => powerIteration((v) => v, 3, { iterations: 0, tolerance: 1e-6, seed: 1 })).toThrow(/iterations/);
    expect(() => powerIteration((v) => v, 3, { iterations: 5, tolerance: 0, seed: 1 })).toThrow(/tolerance/);
  });
});

describe('topHessianEigenvalue', () => {
  it('matches the largest eigenvalue of the float64 finite-difference Hessian and leaks no tensors', () => {
    const problem = ceProblem('tanh');
    const { loss, theta, dispose } = crossEntropyOnTf(problem);
    const n = problem.theta.length;
    const eigen = symmetricEigenvalues(hessian64(referenceGradient(problem), problem.theta), n);
    const dominant = eigen.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    const before = tf.memory().numTensors;
    const r = topHessianEigenvalue(loss, theta, { iterations: 500, tolerance: 1e-6, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.converged).toBe(true);
    expect(Math.abs(r.value - dominant) / Math.abs(dominant)).toBeLessThan(1e-3);
    dispose();
  });
});
