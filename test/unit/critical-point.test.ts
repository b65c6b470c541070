/** analysis/cholesky.ts and analysis/critical-point.ts: a positive definite solve, and Levenberg–Marquardt on ‖∇f‖² towards a critical point. */
import { describe, expect, it } from 'vitest';
import { solvePositiveDefinite } from '../../pipeline/src/analysis/cholesky.ts';
import { type CriticalPointOptions, findCriticalPoint, type Objective } from '../../pipeline/src/analysis/critical-point.ts';
import { minimalRatio, symmetricEigenvalues } from '../../pipeline/src/analysis/eigen.ts';
import { norm } from '../../pipeline/src/analysis/vector.ts';

describe('Cholesky solve', () => {
  it('solves a positive definite system and refuses an indefinite one', () => {
    const a = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
    const x = Float64Array.of(1, -2, 0.5);
    const b = Float64Array.of(4 * 1 + 2 * -2, 2 * 1 + 5 * -2 + 0.5, -2 + 1.5);
    const solved = solvePositiveDefinite(a, b)!;
    for (let i = 0; i < 3; i++) expect(solved[i]).toBeCloseTo(x[i]!, 12);
    expect(solvePositiveDefinite(Float64Array.of(1, 0, 0, -1), Float64Array.of(1, 1))).toBeNull();
  });
});

/** f(x, y) = x² − y² + (x⁴ + y⁴)/10: a saddle at 0 (Hessian diag(2, −2)), minima at (0, ±√5). */
const quartic: Objective = {
  size: 2,
  loss: ([x, y]) => x! ** 2 - y! ** 2 + (x! ** 4 + y! ** 4) / 10,
  gradient: ([x, y]) => Float64Array.of(2 * x! + 0.4 * x! ** 3, -2 * y! + 0.4 * y! ** 3),
  hessian: ([x, y]) => Float64Array.of(2 + 1.2 * x! ** 2, 0, 0, -2 + 1.2 * y! ** 2),
};
const solverOptions: CriticalPointOptions = {
  gradientThreshold: 1e-12,
  maxSteps: 100,
  initialDamping: 1e-3,
  dampingIncrease: 4,
  dampingDecrease: 1.5,
  maxDamping: 1e12,
};

describe('critical point by Levenberg–Marquardt on ‖∇f‖²', () => {
  it('converges to the saddle of a quartic, where the minimal ratio is 0.5', () => {
    const found = findCriticalPoint(quartic, Float64Array.of(0.4, -0.3), solverOptions);
    expect(found.stop).toBe('threshold');
    expect(found.gradientNorm).toBeLessThan(1e-12);
    expect(Math.abs(found.theta[0]!)).toBeLessThan(1e-10);
    expect(Math.abs(found.theta[1]!)).toBeLessThan(1e-10);
    expect(minimalRatio(symmetricEigenvalues(quartic.hessian(found.theta), 2), 1e-6)).toBe(0.5);
    // Near a minimum it finds the minimum: ratio 1.
    const minimum = findCriticalPoint(quartic, Float64Array.of(0.2, 2), solverOptions);
    expect(minimum.theta[1]).toBeCloseTo(Math.sqrt(5), 10);
    expect(minimalRatio(symmetricEigenvalues(quartic.hessian(minimum.theta), 2), 1e-6)).toBe(1);
  });

  it('records the step limit when it is hit', () => {
    const found = findCriticalPoint(quartic, Float64Array.of(0.4, -0.3), { ...solverOptions, maxSteps: 2 });
    expect(found.stop).toBe('step-limit');
    expect(found.steps).toBe(2);
    expect(found.gradientNorm).toBeLessThan(norm(quartic.gradient(Float64Array.of(0.4, -0.3))));
  });

  it('reports a non-finite gradient as divergence', () => {
    const found = findCriticalPoint({ ...quartic, gradient: () => Float64Array.of(NaN, 0) }, Float64Array.of(1, 1), solverOptions);
    expect(found.stop).toBe('diverged');
    expect(found.nonFinite).toEqual({ step: 0, value: 'NaN' });
  });
});
