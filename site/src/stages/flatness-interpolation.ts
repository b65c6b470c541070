/** The "flatness vs. generalization, part 1" artifact as the report shows it: Figure L, the facts its prose quotes, and its checks. */
import { int, percent } from '@hw1/pipeline/format';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { claim, verdict } from '../lib/claims/check.ts';
import { perData } from '../lib/data/facts.ts';
import { headOf, type Side } from '../lib/data/sides.ts';
import { accuracyAxis, type BandRow, bandPanel, bandRows, lossAxis, stack, trainTest, trainTestColors } from '../lib/figures/bands.ts';
import { divergenceNotes, type FigureParts, lossIn, trainedFor } from '../lib/figures/figure.ts';
import { Plot } from '../lib/figures/plot.ts';
import { defineView } from './view.ts';

type Data = StageData<'flatness-interpolation'>;

export function interpolationRows(d: Data, metric: 'loss' | 'accuracy'): BandRow[] {
  const pick = (m: { loss: number; accuracy: number }) => (metric === 'loss' ? m.loss : 100 * m.accuracy);
  const alphas = d.curves[0]?.points.map((p) => p.alpha) ?? [];
  return trainTest.flatMap((split) =>
    bandRows(
      split,
      alphas.map((alpha, i) => ({ x: alpha, values: d.curves.map((c) => pick(split === 'training' ? c.points[i]!.train : c.points[i]!.test)) })),
    ),
  );
}

export const facts = perData((d: Data) => {
  const at = (alpha: number) => {
    const pts = d.curves.map((c) => c.points.find((p) => p.alpha === alpha)!);
    return {
      trainLoss: median(pts.map((p) => p.train.loss)),
      testLoss: median(pts.map((p) => p.test.loss)),
      trainAccuracy: median(pts.map((p) => p.train.accuracy)),
      testAccuracy: median(pts.map((p) => p.test.accuracy)),
    };
  };
  // The highest training loss on the segment between the two models, above the higher of its ends.
  const barrier = median(
    d.curves.map((c) => {
      const inside = c.points.filter((p) => p.alpha >= 0 && p.alpha <= 1).map((p) => p.train.loss);
      const ends = Math.max(c.points.find((p) => p.alpha === 0)!.train.loss, c.points.find((p) => p.alpha === 1)!.train.loss);
      return Math.max(...inside) - ends;
    }),
  );
  const [first, second] = d.setup.models;
  const epochsOf = (name: string) => median(d.trained.filter((t) => t.model === name && !t.diverged).map((t) => t.epochs.length));
  // The same distance |θ₂ − θ₁| beyond each model: at α = 0 − 1 and α = 1 + 1 (when the grid reaches them).
  const alphas = d.curves[0]?.points.map((p) => p.alpha) ?? [];
  const reach = Math.min(-Math.min(0, ...alphas), Math.max(1, ...alphas) - 1);
  const outside = { first: at(-reach).trainLoss, second: at(1 + reach).trainLoss, distance: reach };
  const sharperSide = outside.first > outside.second ? first!.name : second!.name;
  return {
    first: { ...first!, ...at(0), epochs: epochsOf(first!.name) },
    second: { ...second!, ...at(1), epochs: epochsOf(second!.name) },
    barrier,
    outside,
    sharperSide,
    flatterSide: sharperSide === first!.name ? second!.name : first!.name,
    seeds: d.curves.length,
  };
});

function figureL(all: readonly Side<Data>[]): FigureParts {
  const d = headOf(all);
  const s = d.setup;
  const alphas = d.curves[0]?.points.map((p) => p.alpha) ?? [0, 1];
  const x: Plot.ScaleOptions = { label: 'α (θ(α) = (1 − α)·θ₁ + α·θ₂) →', domain: [Math.min(...alphas), Math.max(...alphas)] };
  const [m1, m2] = s.models;
  // The two trained models, on every panel.
  const ends = [
    { alpha: 0, label: `θ₁: ${m1!.name}` },
    { alpha: 1, label: `θ₂: ${m2!.name}` },
  ];
  const under = (labels: boolean): Plot.Markish[] => [
    Plot.ruleX(ends, { x: 'alpha', stroke: '#555', strokeDasharray: '2 3', ariaDescription: 'the two trained models' }),
    ...(labels
      ? [Plot.text(ends, { x: 'alpha', text: 'label', frameAnchor: 'top', dy: 2, dx: 4, textAnchor: 'start', fill: '#333', ariaDescription: 'trained model' })]
      : []),
  ];
  const panel = (metric: 'loss' | 'accuracy', position: 'top' | 'bottom') =>
    bandPanel(
      all.map((side) => ({ side, rows: interpolationRows(side.data, metric) })),
      { x, y: metric === 'loss' ? lossAxis('') : accuracyAxis(''), series: trainTest, colors: trainTestColors, position, under: under(position === 'top') },
    );
  const notes = divergenceNotes(d.trained.map((t) => ({ what: `${t.model}, seed ${t.seed}`, where: lossIn(t.diverged) })));
  if (d.curves.length === 0) notes.push('No seed has both models trained: there is no interpolation to draw.');
  const stop = trainedFor(s);
  return {
    id: 'figure-l',
    svg: d.curves.length ? stack(all, [panel('loss', 'top'), panel('accuracy', 'bottom')]) : '',
    caption:
      `Loss (top) and accuracy (bottom) on ${int(s.dataset.trainingSamples)} training and ${int(s.dataset.testSamples)} test images along the line through two trained MLPs, at ${alphas.length} values of α from ${alphas[0]} to ${alphas.at(-1)}. ` +
      `θ₁ (${m1!.name}): batch ${m1!.batchSize}, learning rate ${m1!.learningRate}; θ₂ (${m2!.name}): batch ${m2!.batchSize}, learning rate ${m2!.learningRate}; both trained ${stop}` +
      `${s.sharedInit ? ' from the same initial parameters' : ''}. Line: median over ${d.curves.length} seeds; band: min to max.`,
    notes,
  };
}

export default defineView('flatness-interpolation', {
  facts,
  figures: { L: figureL },
  checks: {
    /** The two interpolated models fit the training set equally well: training accuracy at α = 0 and α = 1 within 3 points. */
    'interpolation-equal-fit': claim((d: Data) => {
      const f = facts(d);
      const gap = Math.abs(f.first.trainAccuracy - f.second.trainAccuracy);
      return verdict(
        gap <= 0.03,
        `training accuracy ${percent(f.first.trainAccuracy)} (${f.first.name}) and ${percent(f.second.trainAccuracy)} (${f.second.name}), ${(100 * gap).toFixed(1)} points apart (at most 3 allowed)`,
      );
    }),
    /** Beyond each end of the segment, at the same distance, the training loss is higher than at that end. */
    'interpolation-climbs-past-ends': claim((d: Data) => {
      const f = facts(d);
      return verdict(
        f.outside.first > f.first.trainLoss && f.outside.second > f.second.trainLoss,
        `training loss ${f.first.trainLoss.toPrecision(3)} at α = 0 and ${f.outside.first.toPrecision(3)} at α = ${-f.outside.distance}; ${f.second.trainLoss.toPrecision(3)} at α = 1 and ${f.outside.second.toPrecision(3)} at α = ${1 + f.outside.distance}`,
      );
    }),
  },
});
