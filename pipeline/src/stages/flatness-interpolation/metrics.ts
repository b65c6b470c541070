/** Scalar metrics of "flatness vs. generalization, part 1" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { InterpolationData } from './spec.ts';

export function metrics(data: InterpolationData): Metric[] {
  const out: Metric[] = [];
  for (const m of data.setup.models) {
    const ok = data.trained.filter((t) => t.model === m.name && t.diverged === null);
    out.push(
      overSeeds(
        `${m.name} · epochs trained`,
        ok.map((t) => t.epochs.length),
        'int',
      ),
    );
    out.push(
      overSeeds(
        `${m.name} · training loss`,
        ok.map((t) => t.train!.loss),
        'sci',
        'lower',
      ),
    );
    out.push(
      overSeeds(
        `${m.name} · test loss`,
        ok.map((t) => t.test!.loss),
        'sci',
        'lower',
      ),
    );
    out.push(
      headline(
        overSeeds(
          `${m.name} · test accuracy`,
          ok.map((t) => t.test!.accuracy),
          'percent',
          'higher',
        ),
      ),
    );
  }
  const at = (alpha: number) => data.curves.flatMap((c) => c.points.filter((p) => p.alpha === alpha));
  const alphas = data.curves[0]?.points.map((p) => p.alpha) ?? [];
  for (const alpha of [Math.min(...alphas), 0.5, Math.max(...alphas)]) {
    if (!alphas.includes(alpha)) continue;
    out.push(
      overSeeds(
        `α = ${alpha} · training loss`,
        at(alpha).map((p) => p.train.loss),
        'sci',
      ),
    );
    out.push(
      overSeeds(
        `α = ${alpha} · test loss`,
        at(alpha).map((p) => p.test.loss),
        'sci',
      ),
    );
  }
  return out;
}
