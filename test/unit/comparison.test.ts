/** compare/comparison.ts: metrics of two revisions side by side, what changed first, and the Markdown table of npm run diff. */
import { describe, expect, it } from 'vitest';
import { type Comparison, compareStage, diffMetrics, formatDelta, formatValue, orderStages, toMarkdown } from '../../pipeline/src/compare/comparison.ts';
import type { Metric } from '../../pipeline/src/core/metrics.ts';

const metric = (name: string, value: number | null, perSeed?: number[]): Metric => ({
  name,
  value,
  format: 'sci',
  better: 'lower',
  ...(perSeed ? { perSeed } : {}),
});

describe('comparison', () => {
  it('marks changes, puts them first and tells a change beyond the seed spread from one within it', () => {
    const rows = diffMetrics(
      [metric('same', 1, [0.9, 1.1]), metric('small', 1, [0.8, 1.2]), metric('big', 1, [0.95, 1.05]), metric('gone', 2)],
      [metric('same', 1, [0.9, 1.1]), metric('small', 1.1, [0.9, 1.3]), metric('big', 2, [1.9, 2.1]), metric('new', 3)],
    );
    expect(rows.map((r) => r.name)).toEqual(['small', 'big', 'new', 'gone', 'same']);
    const by = new Map(rows.map((r) => [r.name, r]));
    expect(by.get('small')).toMatchObject({ changed: true, beyondSpread: false });
    expect(by.get('big')).toMatchObject({ changed: true, beyondSpread: true, delta: 1 });
    expect(by.get('same')).toMatchObject({ changed: false, beyondSpread: null });
    expect(by.get('new')).toMatchObject({ base: null, head: 3, changed: true });
    expect(formatDelta(by.get('big')!)).toBe('+100.0%');
    expect(formatValue(0.000321, 'sci')).toBe('3.21 × 10⁻⁴');
    expect(formatValue(0.9731, 'percent')).toBe('97.31%');
  });

  it('lists changed stages first, in Markdown too', () => {
    const manifest = (configHash: string) => ({ configHash, codeHash: 'c', data: {}, wallTimeSeconds: 1 }) as never;
    const same = compareStage(
      'a',
      'Stage A',
      { status: 'replayed', manifest: manifest('x'), metrics: [metric('m', 1)], note: null },
      { status: 'replayed', manifest: manifest('x'), metrics: [metric('m', 1)], note: null },
    );
    const changed = compareStage(
      'b',
      'Stage B',
      { status: 'replayed', manifest: manifest('x'), metrics: [metric('m', 1)], note: null },
      { status: 'ran', manifest: manifest('y'), metrics: [metric('m', 2)], note: null },
    );
    expect(same.changed).toBe(false);
    expect(changed.changes.config).toBe(true);
    const c: Comparison = {
      version: 1,
      profile: 'quick',
      base: { rev: 'main', commit: 'a'.repeat(40), label: 'base main (aaaaaaa)', artifacts: '/x' },
      head: { rev: null, commit: 'b'.repeat(40), label: 'head working tree (bbbbbbb)', artifacts: '/y' },
      stages: orderStages([same, changed]),
    };
    const md = toMarkdown(c);
    expect(md.indexOf('`b`')).toBeLessThan(md.indexOf('`a`'));
    expect(md).toContain('| m | 1.00 | 2.00 | +100.0% (worse) |');
    expect(md).toMatch(/Unchanged: `a`/);
  });
});
