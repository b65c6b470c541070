/** core/format.ts: the one formatter of numbers and durations for the report, the terminal and npm run diff. */
import { describe, expect, it } from 'vitest';
import { bytes, duration, int, logTick, percent, sci } from '../../pipeline/src/core/format.ts';

describe('number and duration formatting', () => {
  it('writes durations without "60 s"', () => {
    expect(duration(12.34)).toBe('12 s');
    expect(duration(59.97)).toBe('1 min 0 s');
    expect(duration(419.7)).toBe('7 min 0 s');
    expect(duration(658)).toBe('10 min 58 s');
  });

  it('writes short durations to a tenth of a second, long ones in hours and minutes, unknown ones as "?"', () => {
    expect(duration(3.25)).toBe('3.3 s');
    expect(duration(9.94)).toBe('9.9 s');
    expect(duration(42)).toBe('42 s');
    expect(duration(125)).toBe('2 min 5 s');
    expect(duration(3 * 3600 + 60)).toBe('3 h 1 min');
    expect(duration(2 * 3600 + 5 * 60)).toBe('2 h 5 min');
    expect(duration(NaN)).toBe('?');
    expect(duration(Infinity)).toBe('?');
    expect(duration(-1)).toBe('?');
  });

  it('writes small numbers in scientific notation and keeps ordinary ones decimal', () => {
    expect(sci(0.000321)).toBe('3.21 × 10⁻⁴');
    expect(sci(0.0198)).toBe('0.0198');
    expect(sci(0.567)).toBe('0.567');
    expect(sci(12345678)).toBe('1.23 × 10⁷');
    expect(int(11830)).toBe('11,830');
    expect(int(11830.6)).toBe('11,831');
    expect(percent(0.97625, 2)).toBe('97.63%');
  });

  it('labels every tick of a log axis: powers of ten, the ticks between, plain numbers from 1 to 9,999', () => {
    expect([1e-4, 2e-4, 3e-4, 1.5e-3, 1e-3, 5e-3, 0.1, 0.25, 1, 2, 10, 20, 100, 1e4, 3e5].map(logTick)).toEqual([
      '10⁻⁴',
      '2·10⁻⁴',
      '3·10⁻⁴',
      '1.5·10⁻³',
      '10⁻³',
      '5·10⁻³',
      '10⁻¹',
      '2.5·10⁻¹',
      '1',
      '2',
      '10',
      '20',
      '100',
      '10⁴',
      '3·10⁵',
    ]);
    expect([0, -1, Number.NaN].map(logTick)).toEqual(['', '', '']);
  });

  it('writes sizes in bytes for people, in powers of 1000', () => {
    expect([0, 812, 5148, 29515, 26421880, 170052171, 1.2e9].map(bytes)).toEqual(['0 B', '812 B', '5.1 kB', '29.5 kB', '26.4 MB', '170.1 MB', '1.2 GB']);
  });
});
