/** Scalar metrics of "visualize the optimization process" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { OptimizationProcessData } from './spec.ts';

export function metrics(data: OptimizationProcessData): Metric[] {
  const ok = data.runs.filter((r) => r.diverged === null);
  const out: Metric[] = [
    { name: 'parameters', value: data.training.parameters, format: 'int' },
    headline(
      overSeeds(
        'final training loss',
        ok.map((r) => r.finalLoss!),
        'sci',
        'lower',
      ),
    ),
    headline(
      overSeeds(
        'final gradient norm',
        ok.filter((r) => r.iterations.gradientNorm.length > 0).map((r) => r.iterations.gradientNorm.at(-1)!),
        'sci',
        'lower',
      ),
    ),
    { name: 'diverged runs', value: data.runs.length - ok.length, format: 'int', better: 'lower' },
  ];
  for (const scope of ['model', 'layer'] as const) {
    const v = data.pca[scope];
    out.push({ name: `PCA (${scope}) · variance explained by PC1 and PC2`, value: v ? v[0] + v[1] : null, format: 'percent' });
  }
  const s = data.surface;
  out.push({ name: 'error surface · lowest loss on the grid', value: s ? Math.min(...s.loss.flat()) : null, format: 'sci', better: 'lower' });
  out.push({ name: 'error surface · highest loss on the grid', value: s ? Math.max(...s.loss.flat()) : null, format: 'sci' });
  return out;
}
