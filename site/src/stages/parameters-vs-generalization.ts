/** The "number of parameters vs. generalization" artifact as the report shows it: Figures J and K, the facts its table and prose quote, and its checks. */
import { int, logTick, sci } from '@hw1/pipeline/format';
import { separation } from '@hw1/pipeline/rank-stats';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { finding, found, rangeText } from '../lib/claims/check.ts';
import { perData, trendWord } from '../lib/data/facts.ts';
import { headOf, type Side } from '../lib/data/sides.ts';
import { accuracyAxis, type BandRow, bandPanel, bandRows, lossAxis, stack, trainTest, trainTestColors } from '../lib/figures/bands.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';
import { defineView } from './view.ts';

type Data = StageData<'parameters-vs-generalization'>;

export function parametersRows(d: Data, metric: 'loss' | 'accuracy'): BandRow[] {
  const pick = (m: { loss: number; accuracy: number }) => (metric === 'loss' ? m.loss : 100 * m.accuracy);
  return trainTest.flatMap((split) =>
    bandRows(
      split,
      d.models.map((m) => {
        const ok = m.runs.filter((r) => !r.diverged);
        return { x: m.parameters, values: ok.map((r) => pick(split === 'training' ? r.train! : r.test!)) };
      }),
    ),
  );
}

export const facts = perData((d: Data) => {
  const rows = d.models.map((m) => {
    const ok = m.runs.filter((r) => !r.diverged);
    return {
      width: m.width,
      parameters: m.parameters,
      trainLoss: median(ok.map((r) => r.train!.loss)),
      testLoss: median(ok.map((r) => r.test!.loss)),
      trainAccuracy: median(ok.map((r) => r.train!.accuracy)),
      testAccuracy: median(ok.map((r) => r.test!.accuracy)),
    };
  });
  const by = <K extends keyof (typeof rows)[number]>(k: K, best: 'min' | 'max') =>
    rows.reduce((a, b) => ((best === 'min' ? b[k] < a[k] : b[k] > a[k]) ? b : a));
  // Each width's test losses over seeds; the plateau starts at the narrowest width the seeds do not separate from the best one.
  const testLosses = d.models.map((m) => m.runs.filter((r) => !r.diverged).map((r) => r.test!.loss));
  const best = by('testLoss', 'min');
  const bestLosses = testLosses[rows.indexOf(best)]!;
  const plateau = rows.find((_, i) => separation(testLosses[i]!, bestLosses) !== 'higher') ?? best;
  return {
    testLosses,
    /** The test losses over seeds of the width with the lowest median. */
    bestTestLosses: bestLosses,
    plateau,
    /** Parameters of the widest model per training image. */
    parametersPerSample: rows.at(-1)!.parameters / d.setup.dataset.trainingSamples,
    rows,
    smallest: rows[0]!,
    largest: rows.at(-1)!,
    lowestTestLoss: best,
    highestTestAccuracy: by('testAccuracy', 'max'),
    trainLossTrend: trendWord(rows.map((r) => r.trainLoss)),
    testAccuracyTrend: trendWord(rows.map((r) => r.testAccuracy)),
  };
});

function figureJK(all: readonly Side<Data>[], metric: 'loss' | 'accuracy'): FigureParts {
  const d = headOf(all);
  const s = d.setup;
  const counts = [...new Set(all.flatMap((side) => side.data.models.map((m) => m.parameters)))].sort((a, b) => a - b);
  const svg = stack(all, [
    bandPanel(
      all.map((side) => ({ side, rows: parametersRows(side.data, metric) })),
      {
        x: { type: 'log', label: 'number of parameters (log) →', domain: [counts[0]! / 1.3, counts.at(-1)! * 1.3], tickFormat: logTick },
        y:
          metric === 'loss'
            ? { ...lossAxis('final'), label: '↑ loss of the trained model (cross-entropy, log)' }
            : { ...accuracyAxis(''), label: '↑ accuracy of the trained model (%)' },
        series: trainTest,
        colors: trainTestColors,
        dots: true,
        height: 340,
      },
    ),
  ]);
  const widths = d.models.map((m) => m.width);
  return {
    id: metric === 'loss' ? 'figure-j' : 'figure-k',
    svg,
    caption:
      `${metric === 'loss' ? 'Training and test loss' : 'Training and test accuracy'} of the trained model against its number of parameters: ` +
      `${d.models.length} MLPs 784 → w → 10 (${s.layers} hidden layer${s.layers > 1 ? 's' : ''} of width w = ${widths.join(', ')}), ` +
      `each trained for ${s.epochs} epochs on the same ${int(s.dataset.trainingSamples)} training images and measured on them and on ${int(s.dataset.testSamples)} test images. ` +
      `Line: median over ${s.seeds.length} seeds; band: min to max.`,
    notes: divergenceNotes(d.models.flatMap((m) => m.runs.map((r) => ({ what: `width ${m.width}, seed ${r.seed}`, where: lossIn(r.diverged) })))),
  };
}

export default defineView('parameters-vs-generalization', {
  facts,
  figures: { J: (all) => figureJK(all, 'loss'), K: (all) => figureJK(all, 'accuracy') },
  checks: {
    /** Whether width helps the test loss: lowest at the widest model, levelling off (the widest model's seeds overlap the best's), or rising again beyond the seeds. */
    'width-test-loss': finding(['lowest-at-widest', 'levels-off', 'rises-again'], (d: Data) => {
      const f = facts(d);
      const widest = f.testLosses.at(-1)!;
      return found(
        f.lowestTestLoss === f.largest ? 'lowest-at-widest' : separation(widest, f.bestTestLosses) === 'higher' ? 'rises-again' : 'levels-off',
        `median test loss lowest at width ${f.lowestTestLoss.width} (${rangeText(f.bestTestLosses, sci)} over seeds); widest (${f.largest.width}): ${rangeText(widest, sci)}; narrowest width whose seeds overlap the best's: ${f.plateau.width}`,
      );
    }),
  },
});
