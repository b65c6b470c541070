/** analysis/surface.ts: the loss on a plane through parameter space, and a trajectory projected onto it. */
import { describe, expect, it } from 'vitest';
import { axisAround, lossSurface, projectOntoPlane } from '../../pipeline/src/analysis/surface.ts';
import { dot } from '../../pipeline/src/analysis/vector.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { orthonormalPair } from '../helpers/float64.ts';

describe('error surface', () => {
  // L(θ) = Σ λ_i (θ_i − m_i)²: on the plane c + a·u + b·v it is the quadratic
  // L(c) + 2a·Σλ r u + 2b·Σλ r v + a²·Σλu² + 2ab·Σλuv + b²·Σλv², with r = c − m.
  const d = 5;
  const lambda = [1, 2, 3, 0.5, 4];
  const m = [0.3, -1, 2, 0, 1];
  const loss = (t: ArrayLike<number>) => lambda.reduce((s, l, i) => s + l * (t[i]! - m[i]!) ** 2, 0);
  const [u, v] = orthonormalPair(d, createRng(4));
  const center = Float64Array.from([1, 0.5, -0.5, 2, 0]);

  it('matches the closed form of a quadratic loss on the plane', () => {
    const r = m.map((mi, i) => center[i]! - mi);
    const w = (f: (i: number) => number) => lambda.reduce((s, l, i) => s + l * f(i), 0);
    const closed = (a: number, b: number) =>
      loss(center) +
      2 * a * w((i) => r[i]! * u[i]!) +
      2 * b * w((i) => r[i]! * v[i]!) +
      a * a * w((i) => u[i]! ** 2) +
      2 * a * b * w((i) => u[i]! * v[i]!) +
      b * b * w((i) => v[i]! ** 2);
    const alpha = [-2, -1, 0, 0.5, 3];
    const beta = [-1, 0, 1.5];
    const s = lossSurface(loss, { center, u, v }, alpha, beta);
    expect(s.loss).toHaveLength(beta.length);
    for (const [j, b] of beta.entries()) for (const [i, a] of alpha.entries()) expect(s.loss[j]![i]!).toBeCloseTo(closed(a, b), 4);
  });

  it('has its minimum at the center when the plane passes through the minimiser', () => {
    const axis = axisAround([-1, 1], 21, 0);
    const s = lossSurface(loss, { center: m, u, v }, axis, axis);
    const flat = s.loss.flat();
    expect(flat.indexOf(Math.min(...flat))).toBe(10 * 21 + 10);
    expect(Math.min(...flat)).toBeCloseTo(0, 10);
  });

  it('projects a trajectory onto the plane: in-plane points exactly, the normal part dropped', () => {
    const [n] = orthonormalPair(d, createRng(5)).map((w) => {
      // A direction normal to both u and v.
      const x = Float64Array.from(w, (wi, i) => wi - dot(w, u) * u[i]! - dot(w, v) * v[i]!);
      const norm = Math.sqrt(dot(x, x));
      return x.map((xi) => xi / norm);
    });
    const path = [
      [0.5, -1],
      [2, 3],
      [0, 0],
    ].map(([a, b], k) => Float64Array.from(center, (c, i) => c + a! * u[i]! + b! * v[i]! + k * n![i]!));
    const projected = projectOntoPlane({ center, u, v }, path);
    [
      [0.5, -1],
      [2, 3],
      [0, 0],
    ].forEach(([a, b], k) => {
      expect(projected[k]![0]).toBeCloseTo(a!, 10);
      expect(projected[k]![1]).toBeCloseTo(b!, 10);
    });
  });

  it('refuses directions that are not orthonormal', () => {
    expect(() => projectOntoPlane({ center: [0, 0], u: [1, 0], v: [1, 1] }, [[1, 1]])).toThrow(/orthonormal/);
  });

  it('lays the grid axis over the trajectory and the center, with a margin', () => {
    // Values span [1, 3], widened to include 0: [0, 3], plus a quarter of 3 on each side.
    for (const [i, a] of axisAround([1, 3], 5, 0.25).entries()) expect(a).toBeCloseTo([-0.75, 0.375, 1.5, 2.625, 3.75][i]!, 12);
  });
});
