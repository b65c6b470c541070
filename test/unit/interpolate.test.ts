/** analysis/interpolate.ts: θ(α) = (1 − α)θ₁ + αθ₂ and the grid of α. */
import { describe, expect, it } from 'vitest';
import { alphaGrid, interpolate } from '../../pipeline/src/analysis/interpolate.ts';
import { createRng } from '../../pipeline/src/core/random.ts';

describe('interpolate', () => {
  const rng = createRng(3);
  const theta1 = Float32Array.from({ length: 50 }, () => rng.normal());
  const theta2 = Float32Array.from({ length: 50 }, () => rng.normal());

  it('gives θ₁ at α = 0 and θ₂ at α = 1 exactly', () => {
    expect(interpolate(theta1, theta2, 0)).toEqual(theta1);
    expect(interpolate(theta1, theta2, 1)).toEqual(theta2);
    expect(interpolate(theta1, theta2, 0)).not.toBe(theta1);
  });

  it('is (1 − α)θ₁ + αθ₂, affine in α, extrapolating outside [0, 1]', () => {
    for (const alpha of [-1, -0.3, 0.25, 0.5, 1.7, 2]) {
      const got = interpolate(theta1, theta2, alpha);
      for (const [i, v] of got.entries()) expect(v).toBeCloseTo((1 - alpha) * theta1[i]! + alpha * theta2[i]!, 5);
    }
    // θ(α) − θ₁ = α(θ₂ − θ₁): the midpoint of θ(−1) and θ(2) is θ(0.5)
    const [a, b, mid] = [interpolate(theta1, theta2, -1), interpolate(theta1, theta2, 2), interpolate(theta1, theta2, 0.5)];
    for (const [i, v] of mid.entries()) expect(v).toBeCloseTo((a[i]! + b[i]!) / 2, 5);
  });

  it('rejects vectors of different lengths and a non-finite α', () => {
    expect(() => interpolate(theta1, theta2.subarray(1), 0.5)).toThrow(/different lengths/);
    expect(() => interpolate(theta1, theta2, Number.NaN)).toThrow(/finite/);
  });
});

describe('alphaGrid', () => {
  it('spans [from, to] evenly with exact ends and contains 0 and 1 on the −1..2 grid of 31', () => {
    const grid = alphaGrid(-1, 2, 31);
    expect(grid).toHaveLength(31);
    expect(grid[0]).toBe(-1);
    expect(grid[30]).toBe(2);
    expect(grid[10]).toBe(0);
    expect(grid[20]).toBeCloseTo(1, 14);
    for (let i = 1; i < grid.length; i++) expect(grid[i]! - grid[i - 1]!).toBeCloseTo(0.1, 12);
  });

  it('rejects a reversed or empty range and fewer than two points', () => {
    expect(() => alphaGrid(2, -1, 31)).toThrow(/reversed/);
    expect(() => alphaGrid(1, 1, 31)).toThrow(/reversed/);
    expect(() => alphaGrid(-1, 2, 1)).toThrow(/at least 2/);
    expect(() => alphaGrid(-1, 2, 2.5)).toThrow(/at least 2/);
  });
});
