import { describe, expect, it } from 'vitest';
import { int, percent, sci, seconds } from '../site/src/lib/format.ts';
import { bucketMeans, powerOfTen } from '../site/src/lib/plot.ts';
import { median, spread } from '../site/src/lib/stats.ts';

describe('report formatting', () => {
  it('writes durations without "60 s"', () => {
    expect(seconds(12.34)).toBe('12.3 s');
    expect(seconds(59.97)).toBe('1 min 0 s');
    expect(seconds(419.7)).toBe('7 min 0 s');
    expect(seconds(658)).toBe('10 min 58 s');
  });

  it('writes small numbers in scientific notation and keeps ordinary ones decimal', () => {
    expect(sci(0.000321)).toBe('3.21 × 10⁻⁴');
    expect(sci(0.0198)).toBe('0.0198');
    expect(sci(0.567)).toBe('0.567');
    expect(sci(12345678)).toBe('1.23 × 10⁷');
    expect(int(11830)).toBe('11,830');
    expect(percent(0.97625, 2)).toBe('97.63%');
  });

  it('labels powers of ten, and their 2s and 5s, on log axes', () => {
    expect([1e-4, 2e-4, 3e-4, 1e-3, 5e-3, 0.1, 1, 2, 10, 100].map(powerOfTen)).toEqual(['10⁻⁴', '2·10⁻⁴', '', '10⁻³', '5·10⁻³', '10⁻¹', '1', '2', '10', '10²']);
  });

  it('downsamples by bucket means placed at each bucket\'s last index', () => {
    expect(bucketMeans([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([
      { index: 2, value: 2, size: 3 },
      { index: 5, value: 5, size: 3 },
      { index: 6, value: 7, size: 1 },
    ]);
    expect(bucketMeans([4, 8], 10)).toEqual([
      { index: 0, value: 4, size: 1 },
      { index: 1, value: 8, size: 1 },
    ]);
  });

  it('summarises seeds by median and range', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(spread([0.2, 0.1, 0.4])).toEqual({ median: 0.2, min: 0.1, max: 0.4, n: 3 });
  });
});
