/**
 * npm run history's rows (history/history.ts markChanges, history/render.ts):
 * a cell is marked when it moved beyond its seeds' spread since the nearest
 * row before that has it, not when it moved within it; a row's claims count
 * the verdicts that changed; a row without results says why, in text and in
 * Markdown.
 */
import { describe, expect, it } from 'vitest';
import { type Cell, type HistoryRow, historySchema, markChanges } from '../../pipeline/src/history/history.ts';
import { toMarkdown, toText } from '../../pipeline/src/history/render.ts';

const cell = (name: string, value: number, spread: number): Cell => ({
  name,
  format: 'fixed',
  better: null,
  value,
  min: value - spread / 2,
  max: value + spread / 2,
  seeds: 3,
  moved: false,
});

type Verdicts = NonNullable<HistoryRow['claims']>['verdicts'];
/** Verdicts by check: 'pass', 'fail', or 'pass: outcome'. */
const verdictsOf = (by: Record<string, string>): Verdicts =>
  Object.entries(by).map(([check, v]) => {
    const [status, outcome] = v.split(': ') as ['pass' | 'fail', string | undefined];
    return { check, args: '', status, outcome: outcome ?? null };
  });

function row(i: number, cells: Cell[] | string, by: Record<string, string> | null): HistoryRow {
  const verdicts = by && verdictsOf(by);
  return {
    commit: String(i).repeat(40),
    short: String(i).repeat(7),
    date: `2026-01-0${i}T12:00:00+00:00`,
    subject: `commit ${i}`,
    reason: null,
    stages: [
      typeof cells === 'string'
        ? { name: 'minimal-ratio', status: 'not-cached', reason: cells, metrics: [] }
        : { name: 'minimal-ratio', status: 'replayed', reason: null, metrics: cells },
    ],
    claims: verdicts && {
      hold: verdicts.filter((v) => v.status === 'pass').length,
      fail: verdicts.filter((v) => v.status === 'fail').length,
      unchecked: 0,
      changed: null,
      verdicts,
    },
    claimsReason: verdicts ? null : 'the report is not cached',
  };
}

describe('npm run history rows', () => {
  const rows = [
    row(1, [cell('minimal ratio', 0.4, 0.1), cell('loss', 1, 0.5)], { a: 'pass', b: 'pass: deeper-better' }),
    row(2, 'not cached (npm run history -- --build computes it)', null),
    // Against row 1 (row 2 has no values): the ratio moved by 0.3 > 0.1; the loss by 0.2 < 0.5.
    row(3, [cell('minimal ratio', 0.7, 0.1), cell('loss', 1.2, 0.5)], { a: 'fail', b: 'pass: seeds-overlap' }),
    row(4, [cell('minimal ratio', 0.72, 0.1), cell('loss', 1.2, 0.5)], { a: 'fail', b: 'pass: seeds-overlap' }),
  ];
  markChanges(rows);
  const h = historySchema.parse({ version: 1, profile: 'quick', range: 'HEAD', rows });

  it('marks a move beyond the seeds’ spread, not one within it, against the nearest row with a value', () => {
    expect(rows.map((r) => r.stages[0]!.metrics.map((m) => m.moved))).toEqual([[false, false], [], [true, false], [false, false]]);
    expect(rows.map((r) => r.claims?.changed ?? null)).toEqual([null, null, 2, 0]);
  });

  it('prints both in the terminal', () => {
    const text = toText(h);
    expect(text).toContain('3333333  2026-01-03 12:00  1 hold, 1 fail, 2 changed *  commit 3');
    expect(text).toMatch(/\n2222222 +not cached \(npm run history -- --build computes it\)\n/);
    expect(text).toMatch(/\n3333333 +0\.700 \(0\.650–0\.750\) \* +1\.200 \(0\.950–1\.450\)\n/);
  });

  it('and in Markdown, the moved cell bold', () => {
    const md = toMarkdown(h);
    expect(md).toContain('| `3333333` | **0.700 (0.650–0.750)** * | 1.200 (0.950–1.450) |');
    expect(md).toContain('| `2222222` | not cached (npm run history -- --build computes it) | |');
  });
});
