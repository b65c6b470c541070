/** The "__TITLE__" artifact as the report shows it: its figure and the facts its prose quotes. */
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { dataOf } from '../lib/data/artifacts.ts';
import { baseNotes, headOf, type Side, sidesOf } from '../lib/data/compare.ts';
import { factsOf } from '../lib/data/facts.ts';
import { bandPanel, bandRows, lossAxis, stack } from '../lib/figures/bands.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';

type Data = StageData<'__NAME__'>;

export const data = (): Data => dataOf('__NAME__');

/** Head alone, or base and head in compare mode (../lib/data/compare.ts). */
export const sides = (): Side<Data>[] => sidesOf('__NAME__');

export const facts = factsOf('__NAME__', (d) => {
  const ok = d.runs.filter((r) => !r.diverged);
  return { seeds: d.setup.seeds.length, epochs: d.setup.epochs, finalLoss: median(ok.map((r) => r.losses.at(-1)!)) };
});

/** Training loss vs. epoch: median over seeds with the min–max band. */
function lossFigure(): FigureParts {
  const all = sides();
  const d = headOf(all);
  const rowsOf = (dd: Data) => {
    const ok = dd.runs.filter((r) => !r.diverged);
    return bandRows(
      'training loss',
      Array.from({ length: dd.setup.epochs }, (_, e) => ({ x: e + 1, values: ok.map((r) => r.losses[e]!) })),
    );
  };
  const svg = bandPanel(
    all.map((side) => ({ side, rows: rowsOf(side.data) })),
    { x: { label: 'epoch →' }, y: { ...lossAxis('training'), label: '↑ training loss (MSE, log)' }, series: ['training loss'] },
  );
  return {
    id: 'figure-__NAME__-loss',
    svg: stack(all, [svg]),
    caption: `Training loss vs. epoch, MLP 1-${d.setup.hidden.join('-')}-1 fitting sin(2πx) on ${d.setup.points} points. Line: median over ${d.setup.seeds.length} seeds; band: min to max.`,
    notes: [...divergenceNotes(d.runs.map((r) => ({ what: `seed ${r.seed}`, where: lossIn(r.diverged) }))), ...baseNotes('__NAME__')],
  };
}

export const figures = { loss: lossFigure };
