/** core/stats.ts: how several seeds are summarised in figures, sentences and metrics. */
import { describe, expect, it } from 'vitest';
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
});
