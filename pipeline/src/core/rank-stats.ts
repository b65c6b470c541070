/**
 * How sets of runs relate, for the report's findings: rank correlation and
 * whether two sets are separated beyond their spread. Only the site and its
 * tests use these, so no stage's cache key includes this file: changing how
 * the report judges a trend retrains nothing.
 */
import { mean } from './stats.ts';

/** Ranks 1…n, tied values sharing the mean of the ranks they span. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && order[end]!.v === order[start]!.v) end++;
    for (let k = start; k < end; k++) out[order[k]!.i] = (start + end + 1) / 2;
    start = end;
  }
  return out;
}

/**
 * Spearman's rank correlation of paired values: Pearson's correlation of
 * their ranks (ties averaged), in [−1, 1]; NaN when either side is constant
 * or there are fewer than two pairs.
 */
export function spearman(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} values against ${y.length}`);
  if (x.length < 2) return NaN;
  const rx = ranks(x);
  const ry = ranks(y);
  const mx = mean(rx);
  const my = mean(ry);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i++) {
    sxy += (rx[i]! - mx) * (ry[i]! - my);
    sxx += (rx[i]! - mx) ** 2;
    syy += (ry[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * How two sets of runs compare beyond their spread: 'lower' when every value
 * of `a` is below every value of `b`, 'higher' when every one is above, and
 * 'overlap' when their ranges overlap (the seeds do not separate them).
 */
export function separation(a: readonly number[], b: readonly number[]): 'lower' | 'higher' | 'overlap' {
  if (Math.max(...a) < Math.min(...b)) return 'lower';
  if (Math.min(...a) > Math.max(...b)) return 'higher';
  return 'overlap';
}
