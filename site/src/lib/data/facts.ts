/**
 * Facts: what the prose quotes and the claims check about one stage's data,
 * computed once per data object (the prose quotes a fact many times, the
 * claims check it again, and the print page renders every section a second
 * time). Called without an argument: the head's data.
 */

import { spearman } from '@hw1/pipeline/rank-stats';
import type { StageData, StageName } from '@hw1/pipeline/stages';
import { dataOf } from './artifacts.ts';

export function factsOf<N extends StageName, R>(name: N, compute: (d: StageData<N>) => R): (d?: StageData<N>) => R {
  const cache = new WeakMap<object, R>();
  return (d = dataOf(name)) => {
    if (!cache.has(d as object)) cache.set(d as object, compute(d));
    return cache.get(d as object)!;
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
