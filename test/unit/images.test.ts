/** data/images.ts: the seeded label shuffle of "can a network fit random labels?". */
import { describe, expect, it } from 'vitest';
import { shuffleLabels } from '../../pipeline/src/data/images.ts';

describe('shuffleLabels', () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i * 7) % 10);
  const counts = (y: Int32Array) => Array.from({ length: 10 }, (_, c) => y.filter((v) => v === c).length);

  it('keeps every class frequency, is seeded, and leaves about one label in ten in place', () => {
    const a = shuffleLabels(labels, 3);
    expect(counts(a)).toEqual(counts(labels));
    expect(shuffleLabels(labels, 3)).toEqual(a);
    expect(shuffleLabels(labels, 4)).not.toEqual(a);
    const kept = a.filter((y, i) => y === labels[i]).length / a.length;
    expect(kept).toBeGreaterThan(0.05);
    expect(kept).toBeLessThan(0.15);
  });
});
