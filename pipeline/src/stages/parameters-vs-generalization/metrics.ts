/** Scalar metrics of "number of parameters vs. generalization" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { ParametersData } from './spec.ts';

export function metrics(data: ParametersData): Metric[] {
  return data.models.flatMap((m, i) => {
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
      // Headline: the test accuracy of the narrowest and the widest network.
      headline(
        overSeeds(
          `${name} · test accuracy`,
          ok.map((r) => r.test!.accuracy),
          'percent',
          'higher',
        ),
        i === 0 || i === data.models.length - 1,
      ),
      { name: `${name} · diverged runs`, value: m.runs.length - ok.length, format: 'int', better: 'lower' },
    ] satisfies Metric[];
  });
}
