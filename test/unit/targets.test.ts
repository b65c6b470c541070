import { describe, expect, it } from 'vitest';
import { grid, sinc, targets } from '../../pipeline/src/data/targets.ts';

describe('target functions', () => {
  it('sinc(5πx) is 1 at x = 0, without NaN', () => {
    expect(targets.sinc.f(0)).toBe(1);
    expect(sinc(0)).toBe(1);
    expect(Number.isNaN(targets.sinc.f(0))).toBe(false);
  });

  it('sinc is continuous at 0 and matches sin(5πx)/(5πx) elsewhere', () => {
    for (const x of [1e-12, 1e-9, 1e-6]) expect(targets.sinc.f(x)).toBeCloseTo(1, 10);
    for (const x of [0.01, 0.1, 0.37, 0.5, 1]) {
      expect(targets.sinc.f(x)).toBeCloseTo(Math.sin(5 * Math.PI * x) / (5 * Math.PI * x), 12);
    }
    // Zeros of sin(5πx) at x = k/5.
    for (const k of [1, 2, 3, 4, 5]) expect(Math.abs(targets.sinc.f(k / 5))).toBeLessThan(1e-12);
  });

  it('sign(sin(5πx)) alternates between +1 and −1 on the five half-periods', () => {
    expect([0.1, 0.3, 0.5, 0.7, 0.9].map(targets.sign.f)).toEqual([1, -1, 1, -1, 1]);
  });

  it('every target is finite on the whole grid', () => {
    for (const t of Object.values(targets)) expect(grid(1001).map(t.f).every(Number.isFinite)).toBe(true);
  });

  it('the grid runs from 0 to 1 inclusive', () => {
    const g = grid(5);
    expect(g).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });
});
