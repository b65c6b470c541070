/**
 * The "__TITLE__" artifact as the report shows it: its figure, the facts its
 * prose quotes and its checks, each a pure function of the stage's data
 * (site/src/stages/view.ts says what goes where). A new figure goes in
 * `figures`, a number the page quotes in `facts`, a sentence the data must
 * bear out in `checks` (its cases in test/unit/checks/__NAME__.test.ts).
 */
import { sci } from '@hw1/pipeline/format';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { claim, finding, found, unchecked, verdict } from '../lib/claims/check.ts';
import { perData } from '../lib/data/facts.ts';
import { headOf, type Side } from '../lib/data/sides.ts';
import { bandPanel, bandRows, lossAxis, stack } from '../lib/figures/bands.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';
import { defineView } from './view.ts';

type Data = StageData<'__NAME__'>;

const finished = (d: Data) => d.runs.filter((r) => !r.diverged);

export const facts = perData((d: Data) => {
  const ok = finished(d);
  return {
    seeds: d.setup.seeds.length,
    epochs: d.setup.epochs,
    initialLoss: median(ok.map((r) => r.losses[0]!)),
    finalLoss: median(ok.map((r) => r.losses.at(-1)!)),
  };
});

/** Training loss vs. epoch: median over seeds with the min–max band. */
function lossFigure(all: readonly Side<Data>[]): FigureParts {
  const d = headOf(all);
  const rowsOf = (dd: Data) =>
    bandRows(
      'training loss',
      Array.from({ length: dd.setup.epochs }, (_, e) => ({ x: e + 1, values: finished(dd).map((r) => r.losses[e]!) })),
    );
  const svg = bandPanel(
    all.map((side) => ({ side, rows: rowsOf(side.data) })),
    { x: { label: 'epoch →' }, y: { ...lossAxis('training'), label: '↑ training loss (MSE, log)' }, series: ['training loss'] },
  );
  return {
    id: 'figure-__NAME__-loss',
    svg: stack(all, [svg]),
    caption: `Training loss vs. epoch, MLP 1-${d.setup.hidden.join('-')}-1 fitting sin(2πx) on ${d.setup.points} points. Line: median over ${d.setup.seeds.length} seeds; band: min to max.`,
    notes: divergenceNotes(d.runs.map((r) => ({ what: `seed ${r.seed}`, where: lossIn(r.diverged) }))),
  };
}

export default defineView('__NAME__', {
  facts,
  figures: { loss: lossFigure },
  checks: {
    /** Training lowers the loss: the median final loss over seeds is below the median initial loss. */
    '__NAME__-loss-falls': claim((d: Data) => {
      const f = facts(d);
      if (finished(d).length === 0) return unchecked('every run diverged');
      return verdict(f.finalLoss < f.initialLoss, `median training loss ${sci(f.initialLoss)} after the first epoch, ${sci(f.finalLoss)} after the last`);
    }),
    /** Whether the seeds end within a factor of 10 of each other. */
    '__NAME__-seeds-agree': finding(['agree', 'differ'], (d: Data) => {
      const finals = finished(d).map((r) => r.losses.at(-1)!);
      if (finals.length === 0) return unchecked('every run diverged');
      const ratio = Math.max(...finals) / Math.min(...finals);
      return found(
        ratio < 10 ? 'agree' : 'differ',
        `final training loss ${sci(Math.min(...finals))} to ${sci(Math.max(...finals))} over ${finals.length} seeds (a ratio of ${ratio.toPrecision(3)}; under 10 counts as agreeing)`,
      );
    }),
  },
});
