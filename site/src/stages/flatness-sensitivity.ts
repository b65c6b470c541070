/** The "flatness vs. generalization, part 2" artifact as the report shows it: Figure M, the sharpness figure, the facts its table and prose quote, and its checks. */
import { int, logTick, percent } from '@hw1/pipeline/format';
import { separation, spearman } from '@hw1/pipeline/rank-stats';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { claim, correlationOutcome, finding, found, need, rangeText, rhoText, verdict } from '../lib/claims/check.ts';
import { perData, trendWord } from '../lib/data/facts.ts';
import { headOf, type Side } from '../lib/data/sides.ts';
import { type BandRow, bandPanel, bandRows, lossAxis, stack, trainTest, trainTestColors } from '../lib/figures/bands.ts';
import { divergenceNotes, type FigureParts, lossIn, trainedFor } from '../lib/figures/figure.ts';
import { type Plot, palette } from '../lib/figures/plot.ts';
import { defineView } from './view.ts';

type Data = StageData<'flatness-sensitivity'>;

export function sensitivityRows(d: Data, metric: 'loss' | 'accuracy' | 'sensitivity' | 'sharpness'): BandRow[] {
  const ok = (m: Data['models'][number]) => m.runs.filter((r) => !r.diverged);
  if (metric === 'sensitivity' || metric === 'sharpness') {
    const name = metric === 'sensitivity' ? 'sensitivity (test)' : 'sharpness (training loss)';
    return bandRows(
      name,
      d.models.map((m) => ({ x: m.batchSize, values: ok(m).map((r) => (metric === 'sensitivity' ? r.sensitivity! : r.sharpness!.value)) })),
    );
  }
  const pick = (x: { loss: number; accuracy: number }) => (metric === 'loss' ? x.loss : 100 * x.accuracy);
  return trainTest.flatMap((split) =>
    bandRows(
      split,
      d.models.map((m) => ({ x: m.batchSize, values: ok(m).map((r) => pick(split === 'training' ? r.train! : r.test!)) })),
    ),
  );
}

export const facts = perData((d: Data) => {
  const rows = d.models.map((m) => {
    const ok = m.runs.filter((r) => !r.diverged);
    return {
      batchSize: m.batchSize,
      epochs: median(ok.map((r) => r.epochsTrained)),
      trainLoss: median(ok.map((r) => r.train!.loss)),
      testLoss: median(ok.map((r) => r.test!.loss)),
      testAccuracy: median(ok.map((r) => r.test!.accuracy)),
      sensitivity: median(ok.map((r) => r.sensitivity!)),
      sharpness: median(ok.map((r) => r.sharpness!.value)),
      unconverged: ok.filter((r) => !r.sharpness!.converged).length,
    };
  });
  const finished = d.models.flatMap((m) => m.runs.filter((r) => !r.diverged));
  return {
    rows,
    smallest: rows[0]!,
    largest: rows.at(-1)!,
    testAccuracyTrend: trendWord(rows.map((r) => r.testAccuracy)),
    testLossTrend: trendWord(rows.map((r) => r.testLoss)),
    sensitivityTrend: trendWord(rows.map((r) => r.sensitivity)),
    sharpnessTrend: trendWord(rows.map((r) => r.sharpness)),
    unconverged: rows.reduce((s, r) => s + r.unconverged, 0),
    /** Every finished run's sensitivity and generalization gap (training minus test accuracy), and their rank correlation across runs. */
    runs: finished.length,
    sensitivityGapCorrelation: spearman(
      finished.map((r) => r.sensitivity!),
      finished.map((r) => r.train!.accuracy - r.test!.accuracy),
    ),
  };
});

/** The batch sizes of every side, and a log-2 x axis with a tick at each. */
function batchSizeAxis(all: ReadonlyArray<{ data: { models: ReadonlyArray<{ batchSize: number }> } }>): { sizes: number[]; x: Plot.ScaleOptions } {
  const sizes = [...new Set(all.flatMap((side) => side.data.models.map((m) => m.batchSize)))].sort((a, b) => a - b);
  return {
    sizes,
    x: {
      type: 'log',
      base: 2,
      label: 'batch size (log) →',
      domain: [sizes[0]! / 1.4, sizes.at(-1)! * 1.4],
      ticks: sizes,
      tickFormat: (v: number) => String(v),
    },
  };
}

function figureM(all: readonly Side<Data>[]): FigureParts {
  const d = headOf(all);
  const s = d.setup;
  const { sizes, x } = batchSizeAxis(all);
  const panel = (metric: 'loss' | 'accuracy' | 'sensitivity', position: 'top' | 'middle' | 'bottom') =>
    bandPanel(
      all.map((side) => ({ side, rows: sensitivityRows(side.data, metric) })),
      {
        x,
        y: metric === 'loss' ? lossAxis('') : metric === 'accuracy' ? { label: '↑ accuracy (%)' } : { label: '↑ sensitivity ‖∂p/∂x‖_F (test)' },
        series: metric === 'sensitivity' ? ['sensitivity (test)'] : trainTest,
        colors: metric === 'sensitivity' ? [palette[2]!] : trainTestColors,
        position,
        dots: true,
        height: position === 'bottom' ? 260 : 210,
      },
    );
  const stop = trainedFor(s);
  return {
    id: 'figure-m',
    svg: stack(all, [panel('loss', 'top'), panel('accuracy', 'middle'), panel('sensitivity', 'bottom')]),
    caption:
      `Loss (top), accuracy (middle) and sensitivity (bottom) of the trained MLP against the batch size it was trained with (${sizes.join(', ')}; Adam, learning rate ${s.learningRate}, trained ${stop}, same initialisation per seed). ` +
      `Sensitivity: the Frobenius norm of the Jacobian of the 10 class probabilities with respect to the 784 input pixels, averaged over ${int(s.sensitivitySamples)} test images. ` +
      `Line: median over ${s.seeds.length} seeds; band: min to max.`,
    notes: divergenceNotes(d.models.flatMap((m) => m.runs.map((r) => ({ what: `batch ${m.batchSize}, seed ${r.seed}`, where: lossIn(r.diverged) })))),
  };
}

function figureSharpness(all: readonly Side<Data>[]): FigureParts {
  const d = headOf(all);
  const s = d.setup;
  const { x } = batchSizeAxis(all);
  const svg = stack(all, [
    bandPanel(
      all.map((side) => ({ side, rows: sensitivityRows(side.data, 'sharpness') })),
      {
        x,
        y: { type: 'log', label: '↑ largest Hessian eigenvalue λ_max (log)', tickFormat: logTick },
        series: ['sharpness (training loss)'],
        colors: [palette[3]!],
        dots: true,
        height: 300,
      },
    ),
  ]);
  const unconverged = d.models.flatMap((m) => m.runs.filter((r) => r.sharpness && !r.sharpness.converged).map((r) => `batch ${m.batchSize}, seed ${r.seed}`));
  return {
    id: 'figure-sharpness',
    svg,
    caption:
      `Sharpness of the same trained models: the largest eigenvalue of the Hessian of the training loss (softmax cross-entropy on ${int(s.sharpness.samples)} training images) with respect to all ${int(s.parameters)} parameters, ` +
      `by power iteration on Hessian-vector products (at most ${s.sharpness.iterations} products, stopping at a relative change below ${s.sharpness.tolerance}). Line: median over ${s.seeds.length} seeds; band: min to max.`,
    notes: unconverged.length
      ? [`Power iteration had not converged within ${s.sharpness.iterations} products for: ${unconverged.join('; ')} (the last estimate is drawn).`]
      : [],
  };
}

/** A batch size's finished runs. */
const finished = (m: Data['models'][number]) => m.runs.filter((r) => !r.diverged);

export default defineView('flatness-sensitivity', {
  facts,
  figures: { M: figureM, sharpness: figureSharpness },
  checks: {
    /** Every batch size's runs end at about the same training accuracy: all within 3 points. */
    'sensitivity-equal-fit': claim((d: Data) => {
      const acc = d.models.flatMap((m) => finished(m).map((r) => r.train!.accuracy));
      const gap = Math.max(...acc) - Math.min(...acc);
      return verdict(
        gap <= 0.03,
        `final training accuracy ${percent(Math.min(...acc))} to ${percent(Math.max(...acc))} over ${acc.length} runs, ${(100 * gap).toFixed(1)} points apart (at most 3 allowed)`,
      );
    }),
    /** Keskar et al. (2017): the largest batch's sharpness vs. the smallest's, over seeds. */
    'batch-sharpness': finding(['larger-sharper', 'larger-flatter', 'seeds-overlap'], (d: Data) => {
      const runs = (m: Data['models'][number]) => finished(m).map((r) => r.sharpness!.value);
      const [small, large] = [d.models[0]!, d.models.at(-1)!];
      const side = separation(runs(large), runs(small));
      return found(
        side === 'higher' ? 'larger-sharper' : side === 'lower' ? 'larger-flatter' : 'seeds-overlap',
        `largest Hessian eigenvalue ${rangeText(runs(small), (v) => v.toPrecision(3))} at batch ${small.batchSize}, ${rangeText(runs(large), (v) => v.toPrecision(3))} at batch ${large.batchSize}`,
      );
    }),
    /** Keskar et al. (2017): the largest batch's test accuracy or test loss (metric="accuracy" | "loss") vs. the smallest's, over seeds. */
    'batch-generalization': finding(['larger-worse', 'larger-better', 'seeds-overlap'], (d: Data, args) => {
      const metric = need(args, 'metric', 'batch-generalization');
      if (metric !== 'accuracy' && metric !== 'loss') throw new Error(`claim check "batch-generalization": metric="${metric}" must be "accuracy" or "loss"`);
      const runs = (m: Data['models'][number]) => finished(m).map((r) => r.test![metric]);
      const [small, large] = [d.models[0]!, d.models.at(-1)!];
      const side = separation(runs(large), runs(small));
      // Higher accuracy is better; lower loss is.
      const better = metric === 'accuracy' ? 'higher' : 'lower';
      const show = metric === 'accuracy' ? (v: number) => percent(v) : (v: number) => v.toPrecision(3);
      return found(
        side === 'overlap' ? 'seeds-overlap' : side === better ? 'larger-better' : 'larger-worse',
        `test ${metric} ${rangeText(runs(small), show)} at batch ${small.batchSize}, ${rangeText(runs(large), show)} at batch ${large.batchSize}`,
      );
    }),
    /** Novak et al. (2018): across runs, less sensitive models generalize better; rank correlation of sensitivity and the generalization gap (training minus test accuracy). */
    'sensitivity-vs-gap': finding(['more-sensitive-larger-gap', 'more-sensitive-smaller-gap', 'no-relation'], (d: Data) => {
      const f = facts(d);
      const rho = f.sensitivityGapCorrelation;
      return found(correlationOutcome(rho, f.runs, 'more-sensitive-smaller-gap', 'more-sensitive-larger-gap', 'no-relation'), rhoText(rho, f.runs, 'runs'));
    }),
  },
});
