/** Scalar metrics of "simulate a function" for `npm run diff` (see core/metrics.ts). */
import { type Metric, overSeeds } from '../../core/metrics.ts';
import type { SimulateFunctionData } from './spec.ts';

export function metrics(data: SimulateFunctionData): Metric[] {
  const out: Metric[] = data.models.map((m) => ({ name: `${m.name} · parameters`, value: m.parameters, format: 'int' }));
  for (const f of data.functions) {
    for (const r of f.results) {
      const ok = r.runs.filter((run) => run.diverged === null);
      out.push(
        overSeeds(
          `${f.id} · ${r.model} · final training loss`,
          ok.map((run) => run.finalLoss!),
          'sci',
          'lower',
        ),
      );
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
