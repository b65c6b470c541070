/** analysis/pca.ts: the two principal components of parameter snapshots, against planes, lines and known covariances. */
import { describe, expect, it } from 'vitest';
import { pca2 } from '../../pipeline/src/analysis/pca.ts';
import { dot } from '../../pipeline/src/analysis/vector.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { orthonormalPair } from '../helpers/float64.ts';

describe('pca2', () => {
  it('recovers points on a known plane: all variance in two components, distances kept', () => {
    const d = 6;
    const [u, v] = orthonormalPair(d, createRng(1));
    const rng = createRng(2);
    const c = Float64Array.from({ length: d }, () => rng.normal());
    const ab = Array.from({ length: 30 }, () => [3 * rng.normal(), rng.normal()] as const);
    const rows = ab.map(([a, b]) => Float64Array.from(c, (ci, i) => ci + a * u[i]! + b * v[i]!));
    const p = pca2(rows);
    expect(p.explainedVariance[0] + p.explainedVariance[1]).toBeCloseTo(1, 9);
    expect(p.explainedVariance[0]).toBeGreaterThan(p.explainedVariance[1]);
    // The components span the plane of u and v and are orthonormal.
    for (const w of p.components) expect(dot(w, u) ** 2 + dot(w, v) ** 2).toBeCloseTo(1, 9);
    expect(dot(p.components[0], p.components[1])).toBeCloseTo(0, 9);
    // A rotation (and reflection) of the true coordinates: pairwise distances agree.
    for (const [i, j] of [
      [0, 1],
      [2, 17],
      [5, 29],
    ] as const) {
      const truth = Math.hypot(ab[i]![0] - ab[j]![0], ab[i]![1] - ab[j]![1]);
      expect(Math.hypot(p.points[i]![0] - p.points[j]![0], p.points[i]![1] - p.points[j]![1])).toBeCloseTo(truth, 9);
    }
  });

  it('puts points on a line on one component', () => {
    const rows = [0, 1, 2, 5].map((t) => [1 + t, 2 - 2 * t, 3]);
    const p = pca2(rows);
    expect(p.explainedVariance[0]).toBeCloseTo(1, 12);
    expect(p.explainedVariance[1]).toBeCloseTo(0, 12);
    expect([...p.components[1]]).toEqual([0, 0, 0]);
    expect(p.points.map((q) => q[1])).toEqual([0, 0, 0, 0]);
  });

  it('gives the explained variance of a dataset with known covariance', () => {
    // ±3·e1, ±2·e2, ±1·e3: variances 18/5, 8/5, 2/5 along the axes.
    const rows = [
      [3, 0, 0],
      [-3, 0, 0],
      [0, 2, 0],
      [0, -2, 0],
      [0, 0, 1],
      [0, 0, -1],
    ];
    const p = pca2(rows);
    expect(p.explainedVariance[0]).toBeCloseTo(9 / 14, 12);
    expect(p.explainedVariance[1]).toBeCloseTo(4 / 14, 12);
    expect(p.points.map((q) => q.map((x) => Math.round(x * 1e9) / 1e9 + 0))).toEqual([
      [3, 0],
      [-3, 0],
      [0, 2],
      [0, -2],
      [0, 0],
      [0, 0],
    ]);
  });

  it('handles many more dimensions than vectors without a d×d covariance', () => {
    // 200 000² entries would not fit in memory; the SVD of the 12×d matrix does.
    const d = 200_000;
    const [u, v] = orthonormalPair(d, createRng(3));
    const rows = Array.from({ length: 12 }, (_, k) => Float64Array.from(u, (ui, i) => 2 * Math.cos(k) * ui + Math.sin(k) * v[i]!));
    const p = pca2(rows);
    expect(p.explainedVariance[0] + p.explainedVariance[1]).toBeCloseTo(1, 6);
  });

  it('rejects fewer than two vectors or ragged ones', () => {
    expect(() => pca2([[1, 2]])).toThrow(/at least 2 vectors/);
    expect(() => pca2([[1, 2], [1]])).toThrow(/one length/);
  });
});
