/** The site's plot helpers (site/src/lib/figures/plot.ts): downsampling long series, and the base and head sides of a compare build. */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { logTick } from '../../pipeline/src/core/format.ts';
import { bucketMeans, renderPlot, sideBySide, sideMarks, sidesLegend } from '../../site/src/lib/figures/plot.ts';

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

describe('log axes', () => {
  /** The non-empty tick labels of the y axis of a line over `values` on a log scale. */
  const labels = (values: number[]) => {
    const svg = renderPlot({
      y: { type: 'log', tickFormat: logTick },
      marks: [Plot.lineY(values)],
    });
    const { document } = parseHTML(`<body>${svg}</body>`);
    return [...document.querySelectorAll('[aria-label="y-axis tick label"] text')].map((t) => t.textContent ?? '').filter(Boolean);
  };

  it.each<[string, number[]]>([
    ['within one mantissa step (1.6·10⁻³ to 2.4·10⁻³)', [1.6e-3, 2.4e-3]],
    ['under a decade (2·10⁻³ to 9·10⁻³)', [2e-3, 9e-3]],
    ['around ten (12 to 60)', [12, 60]],
    ['five decades (10⁻⁵ to 1)', [1e-5, 1]],
  ])('has at least three labelled ticks, each label once: %s', (_, values) => {
    const found = labels(values);
    expect(found.length, found.join(' ')).toBeGreaterThanOrEqual(3);
    expect(new Set(found).size).toBe(found.length);
  });
});
