/**
 * Helpers for a stage's facts: what the prose quotes and the checks decide
 * on, computed from one artifact's data.
 */

import { spearman } from '@hw1/pipeline/rank-stats';

/**
 * `compute` remembered per data object: the prose quotes a fact many times,
 * the checks read it again and the print page renders every section a second
 * time. A cache, not state: the answer depends on the data given alone.
 */
export function perData<D extends object, R>(compute: (d: D) => R): (d: D) => R {
  const cache = new WeakMap<D, R>();
  return (d) => {
    if (!cache.has(d)) cache.set(d, compute(d));
    return cache.get(d)!;
  };
}

/** "rises", "falls", or a weaker word, from the medians in x order: what a sentence may say about a trend. */
export function trendWord(values: readonly number[]): string {
  const steps = values.slice(1).map((v, i) => Math.sign(v - values[i]!));
  if (steps.length === 0) return 'has a single value';
  if (steps.every((s) => s > 0)) return 'rises at every step';
  if (steps.every((s) => s < 0)) return 'falls at every step';
  const rho = spearman(
    values.map((_, i) => i),
    values,
  );
  if (rho >= 0.8) return 'rises overall, though not at every step';
  if (rho <= -0.8) return 'falls overall, though not at every step';
  return 'shows no monotone trend';
}
