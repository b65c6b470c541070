/** Scalar metrics of "what happens when the gradient is almost zero" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { MinimalRatioData } from './spec.ts';

export function metrics(data: MinimalRatioData): Metric[] {
  // Each run has its own seed, so the spread over runs plays the part of the spread over seeds.
  const ok = data.runs.filter((r) => r.diverged === null);
  const count = (stop: string) => ok.filter((r) => r.stop === stop).length;
  return [
    { name: 'parameters', value: data.setup.parameters, format: 'int' },
    headline(
      overSeeds(
        'minimal ratio',
        ok.map((r) => r.minimalRatio!),
        'fixed',
      ),
    ),
    headline(
      overSeeds(
        'loss at the near-critical point',
        ok.map((r) => r.loss!),
        'sci',
        'lower',
      ),
    ),
    overSeeds(
      'gradient norm at the near-critical point',
      ok.map((r) => r.gradientNorm!),
      'sci',
      'lower',
    ),
    overSeeds(
      'gradient norm after phase 1',
      ok.map((r) => r.phase1GradientNorm!),
      'sci',
      'lower',
    ),
    { name: 'runs reaching the gradient threshold', value: count('threshold'), format: 'int', better: 'higher' },
    { name: 'runs stopped at the step limit', value: count('step-limit'), format: 'int' },
    { name: 'runs stalled', value: count('stalled'), format: 'int' },
    { name: 'diverged runs', value: data.runs.length - ok.length, format: 'int', better: 'lower' },
  ];
}
