/** Number formatting for prose and tables. */

/** 0.000321 → "3.21 × 10⁻⁴"; ordinary magnitudes stay decimal. */
export function sci(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(value)));
  if (exp >= -2 && exp < 4) return value.toPrecision(digits);
  const mantissa = value / 10 ** exp;
  const sup = String(exp).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]!);
  return `${mantissa.toFixed(digits - 1)} × 10${sup}`;
}

export function int(value: number): string {
  return value.toLocaleString('en-US');
}

export function percent(value: number, digits = 1): string {
  return `${(value * 100).toFixed(digits)}%`;
}

export function seconds(value: number): string {
  if (value < 59.95) return `${value.toFixed(1)} s`;
  // Round once, so 419.7 s reads "7 min 0 s", never "6 min 60 s".
  const total = Math.round(value);
  return `${Math.floor(total / 60)} min ${total % 60} s`;
}
