/** The "can a network fit random labels?" artifact as the report shows it: Figure I, the facts its prose quotes, and its checks. */
import { int, percent } from '@hw1/pipeline/format';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { claim, finding, found, unchecked, verdict } from '../lib/claims/check.ts';
import { perData } from '../lib/data/facts.ts';
import { headOf, type Side } from '../lib/data/sides.ts';
import { accuracyAxis, type BandRow, bandPanel, bandRows, lossAxis, stack } from '../lib/figures/bands.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';
import { type Plot, palette } from '../lib/figures/plot.ts';
import { defineView } from './view.ts';

type Data = StageData<'random-labels'>;

export const labelSeries = (kind: 'random' | 'true', split: 'training' | 'test') => `${kind} labels · ${split}`;
export const randomLabelsSeries = [
  labelSeries('random', 'training'),
  labelSeries('random', 'test'),
  labelSeries('true', 'training'),
  labelSeries('true', 'test'),
];

export function randomLabelsRows(d: Data, metric: 'loss' | 'accuracy'): BandRow[] {
  const pick = (m: { loss: number; accuracy: number }) => (metric === 'loss' ? m.loss : 100 * m.accuracy);
  return (['random', 'true'] as const).flatMap((kind) => {
    const runs = d.runs.filter((r) => r.labels === kind && !r.diverged);
    if (runs.length === 0) return [];
    const epochs = Math.min(...runs.map((r) => r.epochs.length));
    return (['training', 'test'] as const).flatMap((split) =>
      bandRows(
        labelSeries(kind, split),
        Array.from({ length: epochs }, (_, e) => ({ x: e, values: runs.map((r) => pick(split === 'training' ? r.epochs[e]!.train : r.epochs[e]!.test)) })),
      ),
    );
  });
}

export const facts = perData((d: Data) => {
  const finals = (kind: 'random' | 'true') => d.runs.filter((r) => r.labels === kind && !r.diverged).map((r) => r.epochs.at(-1)!);
  const random = finals('random');
  const real = finals('true');
  // Median over seeds of the first epoch reaching a training accuracy; NaN ("not reached") if any seed never did.
  const firstEpochAt = (threshold: number, kind: 'random' | 'true' = 'random') => {
    const epochs = d.runs.filter((r) => r.labels === kind && !r.diverged).map((r) => r.epochs.find((e) => e.train.accuracy >= threshold)?.epoch ?? NaN);
    return epochs.some(Number.isNaN) ? NaN : median(epochs);
  };
  const epochsTo99 = firstEpochAt(0.99);
  const trueEpochsTo99 = real.length ? firstEpochAt(0.99, 'true') : NaN;
  return {
    epochs: d.setup.epochs,
    randomTrainAccuracy: median(random.map((e) => e.train.accuracy)),
    randomTestAccuracy: median(random.map((e) => e.test.accuracy)),
    randomTestLoss: median(random.map((e) => e.test.loss)),
    initialTestLoss: median(d.runs.filter((r) => r.labels === 'random').map((r) => r.epochs[0]!.test.loss)),
    trueTrainAccuracy: real.length ? median(real.map((e) => e.train.accuracy)) : NaN,
    trueTestAccuracy: real.length ? median(real.map((e) => e.test.accuracy)) : NaN,
    epochsTo99,
    epochsTo90: firstEpochAt(0.9),
    trueEpochsTo99,
    /** How many times as many epochs reaching 99% training accuracy took on shuffled labels as on true ones (NaN if either never did). */
    slowdown: epochsTo99 / trueEpochsTo99,
    majorityClassShare: d.setup.majorityClassShare,
    unchangedLabels: d.setup.unchangedLabels,
    seeds: d.setup.seeds.length,
  };
});

function figureI(all: readonly Side<Data>[]): FigureParts {
  const d = headOf(all);
  const s = d.setup;
  const epochs = Math.max(...all.map((x) => x.data.setup.epochs));
  const x: Plot.ScaleOptions = { label: 'epoch →', domain: [0, epochs] };
  const series = randomLabelsSeries;
  const colors = [palette[0]!, palette[1]!, palette[2]!, palette[4]!];
  const panel = (metric: 'loss' | 'accuracy', position: 'top' | 'bottom') =>
    bandPanel(
      all.map((side) => ({ side, rows: randomLabelsRows(side.data, metric) })),
      { x, y: metric === 'loss' ? lossAxis('') : accuracyAxis(''), series, colors, position },
    );
  const hasTrue = d.runs.some((r) => r.labels === 'true');
  return {
    id: 'figure-i',
    svg: stack(all, [panel('loss', 'top'), panel('accuracy', 'bottom')]),
    caption:
      `Top: loss; bottom: accuracy; after every epoch (epoch 0 is the initial model), on the ${int(s.dataset.trainingSamples)} training images with the labels the model is trained on ` +
      `and on ${int(s.dataset.testSamples)} test images with their true labels. The training labels were shuffled by a seeded permutation (${(100 * s.unchangedLabels).toFixed(1)}% still equal the true label by chance)` +
      (hasTrue ? '; the same MLP trained on the true labels, from the same initialisation, is drawn for reference' : '') +
      `. Line: median over ${s.seeds.length} seeds; band: min to max.`,
    notes: divergenceNotes(d.runs.map((r) => ({ what: `${r.labels} labels, seed ${r.seed}`, where: lossIn(r.diverged) }))),
  };
}

export default defineView('random-labels', {
  facts,
  figures: { I: figureI },
  checks: {
    /** On shuffled labels the network reaches at least 95% training accuracy (median over seeds). */
    'random-labels-memorised': claim((d: Data) => {
      const f = facts(d);
      return verdict(f.randomTrainAccuracy >= 0.95, `training accuracy on shuffled labels ${percent(f.randomTrainAccuracy)} (at least 95.0% needed)`);
    }),
    /** On shuffled labels the test accuracy stays within 5 points of what guessing scores (the larger of chance and the majority class). */
    'random-labels-test-at-chance': claim((d: Data) => {
      const f = facts(d);
      const guess = Math.max(0.1, f.majorityClassShare);
      return verdict(f.randomTestAccuracy <= guess + 0.05, `test accuracy ${percent(f.randomTestAccuracy)}; guessing scores ${percent(guess)}`);
    }),
    /** On shuffled labels the test loss ends above where it started. */
    'random-labels-test-loss-grows': claim((d: Data) => {
      const f = facts(d);
      return verdict(
        f.randomTestLoss > f.initialTestLoss,
        `test loss ${f.initialTestLoss.toPrecision(3)} at initialisation, ${f.randomTestLoss.toPrecision(3)} at the end`,
      );
    }),
    /** The true labels' test accuracy is at least 30 points above the shuffled labels'. */
    'true-labels-generalize': claim((d: Data) => {
      const f = facts(d);
      return verdict(
        f.trueTestAccuracy - f.randomTestAccuracy >= 0.3,
        `test accuracy ${percent(f.trueTestAccuracy)} with true labels, ${percent(f.randomTestAccuracy)} with shuffled ones`,
      );
    }),
    /** Every seed reaches 99% training accuracy on the true labels and on the shuffled ones within the run's epochs. */
    'fits-either-labels': claim((d: Data) => {
      const f = facts(d);
      if (!d.runs.some((r) => r.labels === 'true' && !r.diverged)) return unchecked('the true labels were not trained');
      const reached = (epoch: number) => (Number.isNaN(epoch) ? `not reached in ${f.epochs} epochs` : `epoch ${epoch}`);
      return verdict(
        !Number.isNaN(f.epochsTo99) && !Number.isNaN(f.trueEpochsTo99),
        `99% training accuracy: ${reached(f.trueEpochsTo99)} on true labels, ${reached(f.epochsTo99)} on shuffled ones (median over seeds; every seed must reach it)`,
      );
    }),
    /** Zhang et al. (2017): random labels are memorised, only more slowly than true ones. Reaching 99% training accuracy, shuffled vs. true labels. */
    'random-labels-slower': finding(['slower', 'not-slower', 'not-memorised'], (d: Data) => {
      const f = facts(d);
      if (Number.isNaN(f.epochsTo99)) return found('not-memorised', `shuffled labels: 99% training accuracy not reached in ${f.epochs} epochs`);
      if (Number.isNaN(f.trueEpochsTo99)) return unchecked('the true labels never reached 99% training accuracy, or were not trained');
      return found(
        f.epochsTo99 > f.trueEpochsTo99 ? 'slower' : 'not-slower',
        `99% training accuracy in epoch ${f.epochsTo99} on shuffled labels, ${f.trueEpochsTo99} on true labels (median over seeds)`,
      );
    }),
  },
});
