/** Scalar metrics of "flatness vs. generalization, part 2" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { SensitivityData } from './spec.ts';

export function metrics(data: SensitivityData): Metric[] {
  return data.models.flatMap((m, i) => {
    const ok = m.runs.filter((r) => r.diverged === null);
    const name = `batch ${m.batchSize}`;
    return [
      overSeeds(
        `${name} · epochs trained`,
        ok.map((r) => r.epochsTrained),
        'int',
      ),
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
        `${name} · test accuracy`,
        ok.map((r) => r.test!.accuracy),
        'percent',
        'higher',
      ),
      // Headline: the sensitivity of the smallest and the largest batch.
      headline(
        overSeeds(
          `${name} · sensitivity`,
          ok.map((r) => r.sensitivity!),
          'sci',
        ),
        i === 0 || i === data.models.length - 1,
      ),
      overSeeds(
        `${name} · sharpness (λmax)`,
        ok.map((r) => r.sharpness!.value),
        'sci',
      ),
      { name: `${name} · diverged runs`, value: m.runs.length - ok.length, format: 'int', better: 'lower' },
    ] satisfies Metric[];
  });
}
