/** Scalar metrics of "__TITLE__" for `npm run diff` (see core/metrics.ts). */
import { type Metric, overSeeds } from '../../core/metrics.ts';
import type { __PASCAL__Data } from './spec.ts';

export function metrics(data: __PASCAL__Data): Metric[] {
  const ok = data.runs.filter((r) => r.diverged === null);
  return [
    overSeeds(
      'final training loss',
      ok.map((r) => r.losses.at(-1)!),
      'sci',
      'lower',
    ),
    { name: 'diverged runs', value: data.runs.length - ok.length, format: 'int', better: 'lower' },
  ];
}
