/**
 * Numbers and durations as the report, the terminal and `npm run diff` print
 * them: one formatter for all three, so a value reads the same everywhere.
 */

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
 * Tick labels for a log axis: 10⁻³ for powers of ten, 2·10⁻³ and 5·10⁻³ for
 * the 2s and 5s (so an axis spanning less than a decade still has labels),
 * nothing for other ticks.
 */
export function powerOfTen(value: number): string {
  const k = Math.floor(Math.log10(value) + 1e-9);
  const mantissa = value / 10 ** k;
  const power = k === 0 ? '1' : k === 1 ? '10' : `10${superscript(k)}`;
  if (Math.abs(mantissa - 1) < 1e-6) return power;
  for (const m of [2, 5]) if (Math.abs(mantissa - m) < 1e-6) return k === 0 ? String(m) : `${m}·${power}`;
  return '';
}
