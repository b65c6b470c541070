/** Scalar metrics of "can a network fit random labels?" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { RandomLabelsData } from './spec.ts';

export function metrics(data: RandomLabelsData): Metric[] {
  const out: Metric[] = [{ name: 'parameters', value: data.setup.parameters, format: 'int' }];
  for (const kind of ['random', 'true'] as const) {
    const runs = data.runs.filter((r) => r.labels === kind);
    if (runs.length === 0) continue;
    const ok = runs.filter((r) => r.diverged === null);
    const last = ok.map((r) => r.epochs[r.epochs.length - 1]!);
    out.push(
      overSeeds(
        `${kind} labels · final training loss`,
        last.map((e) => e.train.loss),
        'sci',
        'lower',
      ),
    );
    // Headline: training accuracy (memorised?) and test accuracy (learned?) on each kind of labels.
    out.push(
      headline(
        overSeeds(
          `${kind} labels · final training accuracy`,
          last.map((e) => e.train.accuracy),
          'percent',
          'higher',
        ),
      ),
    );
    out.push(
      overSeeds(
        `${kind} labels · final test loss`,
        last.map((e) => e.test.loss),
        'sci',
        'lower',
      ),
    );
    out.push(
      headline(
        overSeeds(
          `${kind} labels · final test accuracy`,
          last.map((e) => e.test.accuracy),
          'percent',
          kind === 'true' ? 'higher' : undefined,
        ),
      ),
    );
    // Epochs until 99% training accuracy; a seed that never got there counts as one past the last epoch.
    out.push(
      overSeeds(
        `${kind} labels · epochs to 99% training accuracy`,
        ok.map((r) => r.epochs.find((e) => e.train.accuracy >= 0.99)?.epoch ?? data.setup.epochs + 1),
        'int',
        'lower',
      ),
    );
    out.push({ name: `${kind} labels · diverged runs`, value: runs.length - ok.length, format: 'int', better: 'lower' });
  }
  return out;
}
