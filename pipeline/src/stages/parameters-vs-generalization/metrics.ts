/** Scalar metrics of "number of parameters vs. generalization" for `npm run diff` (see core/metrics.ts). */
import { type Metric, overSeeds } from '../../core/metrics.ts';
import type { ParametersData } from './spec.ts';

export function metrics(data: ParametersData): Metric[] {
  return data.models.flatMap((m) => {
    const ok = m.runs.filter((r) => r.diverged === null);
    const name = `width ${m.width}`;
    return [
      { name: `${name} · parameters`, value: m.parameters, format: 'int' },
      overSeeds(
        `${name} · training loss`,
        ok.map((r) => r.train!.loss),
        'sci',
        'lower',
      ),
      overSeeds(
        `${name} · test loss`,
        ok.map((r) => r.test!.loss),
        'sci',
        'lower',
      ),
      overSeeds(
        `${name} · training accuracy`,
        ok.map((r) => r.train!.accuracy),
        'percent',
        'higher',
      ),
      overSeeds(
        `${name} · test accuracy`,
        ok.map((r) => r.test!.accuracy),
        'percent',
        'higher',
      ),
      { name: `${name} · diverged runs`, value: m.runs.length - ok.length, format: 'int', better: 'lower' },
    ] satisfies Metric[];
  });
}
