/** Summaries over seeds: what a figure or a sentence reports about several runs. */

import { median } from '@hw1/pipeline/metrics.ts';

// One median for the pipeline's metrics and the site's summaries.
export { median };

export function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}
