/** analysis/eigen.ts: eigenvalues of symmetric matrices and the minimal ratio. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { minimalRatio, symmetricEigenvalues } from '../../pipeline/src/analysis/eigen.ts';
import { hessian, type Loss } from '../../pipeline/src/analysis/hessian.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { fromEigenvalues } from '../helpers/float64.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('eigenvalues and minimal ratio', () => {
  it('finds known eigenvalues of Q·diag(λ)·Qᵀ, negative ones included', () => {
    const lambdas = [-3, -0.5, 0, 1e-3, 2, 7];
    const matrix = fromEigenvalues(lambdas, createRng(2));
    const found = symmetricEigenvalues(matrix, lambdas.length);
    for (const [i, l] of found.entries()) expect(Math.abs(l - lambdas[i]!)).toBeLessThan(1e-9);
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
