import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed, permutation } from '../../pipeline/src/core/random.ts';

describe('seeded randomness', () => {
  it('repeats exactly for the same seed and differs for another', () => {
    const a = Array.from({ length: 5 }, createRng(7).next);
    const b = Array.from({ length: 5 }, createRng(7).next);
    const c = Array.from({ length: 5 }, createRng(8).next);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('draws uniform numbers in [0, 1) and standard normals', () => {
    const rng = createRng(1);
    const u = Array.from({ length: 20000 }, rng.next);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(u.reduce((s, x) => s + x, 0) / u.length).toBeCloseTo(0.5, 1);
    const n = Array.from({ length: 20000 }, rng.normal);
    const mean = n.reduce((s, x) => s + x, 0) / n.length;
    const variance = n.reduce((s, x) => s + (x - mean) ** 2, 0) / n.length;
    expect(mean).toBeCloseTo(0, 1);
    expect(variance).toBeCloseTo(1, 1);
  });

  it('derives distinct seeds from distinct names', () => {
    expect(deriveSeed(1, 'data', 'sinc')).toBe(deriveSeed(1, 'data', 'sinc'));
    expect(deriveSeed(1, 'data', 'sinc')).not.toBe(deriveSeed(1, 'init', 'sinc'));
    expect(deriveSeed(1, 'a', 'bc')).not.toBe(deriveSeed(1, 'ab', 'c'));
  });

  it('shuffles into a permutation', () => {
    const p = permutation(100, createRng(3));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...p]).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
