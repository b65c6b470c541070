/** Scalar metrics of "simulate a function" for `npm run diff` (see core/metrics.ts). */
import { headline, type Metric, overSeeds } from '../../core/metrics.ts';
import type { SimulateFunctionData } from './spec.ts';

export function metrics(data: SimulateFunctionData): Metric[] {
  const out: Metric[] = data.models.map((m) => ({ name: `${m.name} · parameters`, value: m.parameters, format: 'int' }));
  for (const f of data.functions) {
    for (const [i, r] of f.results.entries()) {
      const ok = r.runs.filter((run) => run.diverged === null);
      // Headline: the shallowest and the deepest model (the first and last listed) on each function.
      const loss = overSeeds(
        `${f.id} · ${r.model} · final training loss`,
        ok.map((run) => run.finalLoss!),
        'sci',
        'lower',
      );
      out.push(headline(loss, i === 0 || i === f.results.length - 1));
      out.push(
        overSeeds(
          `${f.id} · ${r.model} · grid loss`,
          ok.map((run) => run.gridLoss!),
          'sci',
          'lower',
        ),
      );
      out.push({ name: `${f.id} · ${r.model} · diverged runs`, value: r.runs.length - ok.length, format: 'int', better: 'lower' });
    }
  }
  return out;
}
