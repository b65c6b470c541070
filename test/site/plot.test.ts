/** The site's plot helpers (site/src/lib/figures/plot.ts): downsampling long series, and the base and head sides of a compare build. */
import { describe, expect, it } from 'vitest';
import { bucketMeans, sideBySide, sideMarks, sidesLegend } from '../../site/src/lib/figures/plot.ts';

describe('downsampling', () => {
  it("downsamples by bucket means placed at each bucket's last index", () => {
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
});

describe('compare-mode plot helpers', () => {
  it('leave the head (and so a normal build) untouched and style the base', () => {
    const o = { x: 'x', y: 'y', stroke: 'model', strokeWidth: 1.75, ariaDescription: 'median per model' };
    expect(sideMarks({ side: 'head' }).line(o)).toBe(o);
    expect(sideMarks({ side: 'base' }).line(o)).toMatchObject({ strokeDasharray: '5 3', ariaDescription: 'median per model (base)' });
    expect(sideMarks({ side: 'base' }).dot({ fill: 'model' })).toMatchObject({ fill: 'none', stroke: 'model' });
    expect(sidesLegend([{ side: 'head', label: '' }])).toBe('');
    expect(
      sidesLegend([
        { side: 'base', label: 'base main' },
        { side: 'head', label: 'head <x>' },
      ]),
    ).toMatch(/head &lt;x&gt;.*base main/);
    expect(sideBySide([{ side: 'head', label: '', svg: '<svg/>' }])).toBe('<svg/>');
  });
});
