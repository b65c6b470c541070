/**
 * The tests' float64 reference itself (helpers/float64.ts): its hand-written
 * gradients agree with differences of its losses, and its difference Hessian
 * recovers a known matrix. Everything else is checked against it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../pipeline/src/core/random.ts';
import type { MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { crossEntropy64, fromEigenvalues, hessian64, matVec, mse64, numericGradient, randomVector, relativeError, thetaLength } from '../helpers/float64.ts';
import { mseProblem, reference } from '../helpers/problems.ts';

// The problems are made with tfjs (initial parameters): on the cpu backend, as every other unit test.
beforeAll(async () => {
  await selectBackend('cpu');
});

describe('float64 reference', () => {
  it('has a gradient that matches differences of its loss', () => {
    const problem = mseProblem('tanh');
    const { gradient } = reference(problem);
    const numeric = numericGradient((theta) => reference(problem, theta).loss, problem.theta);
    expect(relativeError(gradient, numeric)).toBeLessThan(1e-7);
  });

  for (const activation of ['tanh', 'relu'] as const) {
    it(`has gradients that match differences of its losses for several inputs and outputs (${activation})`, () => {
      const spec: MlpSpec = { inputs: 3, hidden: [5, 4], outputs: 2, activation };
      const rng = createRng(17);
      const theta = Float64Array.from({ length: thetaLength(spec) }, () => rng.uniform(-1, 1));
      const x = Float64Array.from({ length: 6 * 3 }, () => rng.uniform(-2, 2));
      const y = Float64Array.from({ length: 6 * 2 }, () => rng.normal());
      const labels = Int32Array.from({ length: 6 }, () => rng.int(2));
      const mse = mse64(spec, theta, x, y);
      expect(
        relativeError(
          mse.gradient,
          numericGradient((t) => mse64(spec, t, x, y).loss, theta),
        ),
      ).toBeLessThan(1e-7);
      const ce = crossEntropy64(spec, theta, x, labels);
      expect(
        relativeError(
          ce.gradient,
          numericGradient((t) => crossEntropy64(spec, t, x, labels).loss, theta),
        ),
      ).toBeLessThan(1e-7);
    });
  }

  it('recovers A as the difference Hessian of ½θᵀAθ', () => {
    const a = fromEigenvalues([-2, 0.5, 1, 3], createRng(6));
    const theta = randomVector(4, createRng(7));
    expect(
      relativeError(
        hessian64((t) => matVec(a, t), theta),
        a,
      ),
    ).toBeLessThan(1e-9);
  });
});
