/** core/stats.ts and core/rank-stats.ts: how several seeds are summarised, and how sets of runs relate, in figures, sentences and metrics. */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../pipeline/src/core/random.ts';
import { ranks, separation, spearman } from '../../pipeline/src/core/rank-stats.ts';
import { mean, median, spread } from '../../pipeline/src/core/stats.ts';

describe('summaries over seeds', () => {
  it('summarises seeds by median and range', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([0.2, 0.1, 0.4])).toEqual({ median: 0.2, min: 0.1, max: 0.4, n: 3 });
  });

  it('has no median of nothing, and a mean', () => {
    expect(median([])).toBeNaN();
    expect(mean([1, 2, 6])).toBe(3);
  });

  it('ranks with ties sharing their mean rank', () => {
    expect(ranks([10, 30, 20, 20])).toEqual([1, 4, 2.5, 2.5]);
  });

  it("computes Spearman's rank correlation as the textbook formula does without ties, and with ties by hand", () => {
    // Without ties: ρ = 1 − 6 Σ d² / (n (n² − 1)), d the rank differences, an independent formula.
    const rng = createRng(7);
    const random = () => rng.next();
    for (const n of [5, 12, 40]) {
      const x = Array.from({ length: n }, () => random());
      const y = x.map((v) => v + 0.5 * random());
      const rx = ranks(x);
      const ry = ranks(y);
      const d2 = rx.reduce((s, r, i) => s + (r - ry[i]!) ** 2, 0);
      expect(spearman(x, y)).toBeCloseTo(1 - (6 * d2) / (n * (n * n - 1)), 12);
    }
    // Ties: ranks [1, 2.5, 2.5, 4] and [1, 3, 2, 4]: Pearson of the ranks is 4.5 / √(4.5 · 5).
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
    expect(spearman([1, 2, 3], [3, 2, 1])).toBe(-1);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(() => spearman([1, 2], [1])).toThrow(/2 values against 1/);
  });

  it('says whether two sets of runs are separated beyond their spread', () => {
    expect(separation([1, 2], [3, 4])).toBe('lower');
    expect(separation([5, 6], [3, 4])).toBe('higher');
    expect(separation([1, 3], [3, 4])).toBe('overlap');
  });
});
