/**
 * Numbers and durations as the report, the terminal and `npm run diff` print
 * them: one formatter for all three, so a value reads the same everywhere.
 * It imports nothing, so the publish step (site/scripts/pages.ts, run with
 * nothing installed) formats with it too.
 */
import type { MetricFormat } from './metrics.ts';

const SUPERSCRIPT = '⁻⁰¹²³⁴⁵⁶⁷⁸⁹';

/** -4 → "⁻⁴". */
export function superscript(n: number): string {
  return String(n).replace(/[-0-9]/g, (c) => SUPERSCRIPT['-0123456789'.indexOf(c)]!);
}

/** 0.000321 → "3.21 × 10⁻⁴"; ordinary magnitudes (10⁻² to 10⁴) stay decimal, with `digits` significant digits. */
export function sci(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(value)));
  if (exp >= -2 && exp < 4) return value.toPrecision(digits);
  return `${(value / 10 ** exp).toFixed(digits - 1)} × 10${superscript(exp)}`;
}

/** 12345 → "12,345" (rounded to a whole number). */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** 0.1234 → "12.3%". */
export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

/**
 * Seconds as a person reads them: "3.4 s", "42 s", "7 min 0 s", "2 h 5 min";
 * "?" when unknown (not finite or negative). Rounded once, so 419.7 s reads
 * "7 min 0 s", never "6 min 60 s".
 */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const total = Math.round(seconds);
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${total % 60} s`;
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Tick labels for a log axis: 10⁻³ for powers of ten, 2·10⁻³, 3·10⁻³ … for
 * the ticks between (1.5·10⁻³ where an axis spans so little that ticks fall
 * between integers), plain numbers from 1 to 9,999. Every tick gets a label:
 * on an axis spanning several decades d3 leaves out the crowded ones itself
 * (log tickFormat), so an axis spanning less than a decade still gets three or
 * more.
 */
/** A size in bytes, for people: "812 B", "29.5 kB", "26.4 MB", "1.2 GB" (powers of 1000). */
export function bytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function logTick(value: number): string {
  if (!(value > 0) || !Number.isFinite(value)) return '';
  const k = Math.floor(Math.log10(value) + 1e-9);
  if (k >= 0 && k <= 3) return String(Number(value.toPrecision(3)));
  const mantissa = Number((value / 10 ** k).toPrecision(2));
  const power = `10${superscript(k)}`;
  return mantissa === 1 ? power : `${mantissa}·${power}`;
}

/** Text made safe inside HTML, in element content and in double-quoted attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A metric's value as its format says (core/metrics.ts); '—' when there is none. */
export function formatValue(value: number | null, format: MetricFormat): string {
  if (value === null) return '—';
  switch (format) {
    case 'int':
      return int(value);
    case 'percent':
      return percent(value, 2);
    case 'fixed':
      return value.toFixed(3);
    case 'sci':
      return sci(value);
  }
}
