/** Scalar metrics of "train on actual tasks" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { TrainOnTasksData } from './spec.ts';

export function metrics(data: TrainOnTasksData): Metric[] {
  const out: Metric[] = [];
  // A dataset that is not installed has no results: its metrics are absent rather than zero.
  for (const t of data.tasks.filter((t) => t.missing === null)) {
    for (const [i, m] of t.models.entries()) {
      const ok = m.runs.filter((r) => r.diverged === null);
      const last = ok.map((r) => r.epochs[r.epochs.length - 1]!);
      out.push({ name: `${t.id} · ${m.name} · parameters`, value: m.parameters, format: 'int' });
      out.push(
        overSeeds(
          `${t.id} · ${m.name} · final training loss`,
          last.map((e) => e.loss),
          'sci',
          'lower',
        ),
      );
      out.push(
        overSeeds(
          `${t.id} · ${m.name} · final training accuracy`,
          last.map((e) => e.accuracy),
          'percent',
          'higher',
        ),
      );
      out.push(
        overSeeds(
          `${t.id} · ${m.name} · test loss`,
          ok.map((r) => r.test!.loss),
          'sci',
          'lower',
        ),
      );
      // Headline: the test accuracy of the first and the last model of each task.
      const accuracy = overSeeds(
        `${t.id} · ${m.name} · test accuracy`,
        ok.map((r) => r.test!.accuracy),
        'percent',
        'higher',
      );
      out.push(headline(accuracy, i === 0 || i === t.models.length - 1));
      out.push({ name: `${t.id} · ${m.name} · diverged runs`, value: m.runs.length - ok.length, format: 'int', better: 'lower' });
    }
  }
  return out;
}
