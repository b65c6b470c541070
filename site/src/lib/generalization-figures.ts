/** Figures I to M and the sharpness figure of section 1-3, as build-time SVG with captions and notes. */
import { flatnessInterpolation } from '@hw1/pipeline/stages/flatness-interpolation.schema.ts';
import { flatnessSensitivity } from '@hw1/pipeline/stages/flatness-sensitivity.schema.ts';
import { parametersVsGeneralization } from '@hw1/pipeline/stages/parameters-vs-generalization.schema.ts';
import { randomLabels } from '@hw1/pipeline/stages/random-labels.schema.ts';
import { baseNotes, headOf } from './compare.ts';
import { int } from './format.ts';
import {
  bandPanel,
  interpolationRows,
  interpolationSides,
  parametersRows,
  parametersSides,
  randomLabelsRows,
  randomLabelsSeries,
  randomLabelsSides,
  sensitivityRows,
  sensitivitySides,
  stack,
  trainTest,
  trainTestColors,
} from './generalization.ts';
import { Plot, palette, powerOfTen } from './plot.ts';

export interface FigureParts {
  id: string;
  svg: string;
  caption: string;
  notes: string[];
}

export const generalizationFigures = ['I', 'J', 'K', 'L', 'M', 'sharpness'] as const;
export type GeneralizationFigure = (typeof generalizationFigures)[number];

const lossAxis = (what: string): Plot.ScaleOptions => ({ type: 'log', label: `↑ ${what} loss (cross-entropy, log)`, tickFormat: powerOfTen });
const accuracyAxis = (what: string): Plot.ScaleOptions => ({ label: `↑ ${what} accuracy (%)`, domain: [0, 100] });

/** How long the models were trained, for a caption. */
const trainedFor = (s: { stopAtTrainingAccuracy: number | null; epochs: number }): string =>
  s.stopAtTrainingAccuracy ? `until an epoch's running training accuracy reached ${(100 * s.stopAtTrainingAccuracy).toFixed(0)}% (at most ${s.epochs} epochs)` : `for ${s.epochs} epochs`;

/** The batch sizes of every side, and a log-2 x axis with a tick at each. */
function batchSizeAxis(all: ReadonlyArray<{ data: { models: ReadonlyArray<{ batchSize: number }> } }>): { sizes: number[]; x: Plot.ScaleOptions } {
  const sizes = [...new Set(all.flatMap((side) => side.data.models.map((m) => m.batchSize)))].sort((a, b) => a - b);
  return { sizes, x: { type: 'log', base: 2, label: 'batch size (log) →', domain: [sizes[0]! / 1.4, sizes.at(-1)! * 1.4], ticks: sizes, tickFormat: (v: number) => String(v) } };
}

function divergenceNotes(items: ReadonlyArray<{ what: string; diverged: { epoch: number; value: string } | null }>): string[] {
  return items.filter((i) => i.diverged).map((i) => `Diverged and not drawn: ${i.what}, loss ${i.diverged!.value} in epoch ${i.diverged!.epoch}.`);
}

function figureI(): FigureParts {
  const all = randomLabelsSides();
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
    notes: [...divergenceNotes(d.runs.map((r) => ({ what: `${r.labels} labels, seed ${r.seed}`, diverged: r.diverged }))), ...baseNotes(randomLabels)],
  };
}

function figureJK(metric: 'loss' | 'accuracy'): FigureParts {
  const all = parametersSides();
  const d = headOf(all);
  const s = d.setup;
  const counts = [...new Set(all.flatMap((side) => side.data.models.map((m) => m.parameters)))].sort((a, b) => a - b);
  const svg = stack(all, [
    bandPanel(
      all.map((side) => ({ side, rows: parametersRows(side.data, metric) })),
      {
        x: { type: 'log', label: 'number of parameters (log) →', domain: [counts[0]! / 1.3, counts.at(-1)! * 1.3], tickFormat: powerOfTen },
        y: metric === 'loss' ? { ...lossAxis('final'), label: '↑ loss of the trained model (cross-entropy, log)' } : { ...accuracyAxis(''), label: '↑ accuracy of the trained model (%)' },
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
    notes: [
      ...divergenceNotes(d.models.flatMap((m) => m.runs.map((r) => ({ what: `width ${m.width}, seed ${r.seed}`, diverged: r.diverged })))),
      ...baseNotes(parametersVsGeneralization),
    ],
  };
}

function figureL(): FigureParts {
  const all = interpolationSides();
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
    ...(labels ? [Plot.text(ends, { x: 'alpha', text: 'label', frameAnchor: 'top', dy: 2, dx: 4, textAnchor: 'start', fill: '#333', ariaDescription: 'trained model' })] : []),
  ];
  const panel = (metric: 'loss' | 'accuracy', position: 'top' | 'bottom') =>
    bandPanel(
      all.map((side) => ({ side, rows: interpolationRows(side.data, metric) })),
      { x, y: metric === 'loss' ? lossAxis('') : accuracyAxis(''), series: trainTest, colors: trainTestColors, position, under: under(position === 'top') },
    );
  const notes = [
    ...divergenceNotes(d.trained.map((t) => ({ what: `${t.model}, seed ${t.seed}`, diverged: t.diverged }))),
    ...baseNotes(flatnessInterpolation),
  ];
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

function figureM(): FigureParts {
  const all = sensitivitySides();
  const d = headOf(all);
  const s = d.setup;
  const { sizes, x } = batchSizeAxis(all);
  const panel = (metric: 'loss' | 'accuracy' | 'sensitivity', position: 'top' | 'middle' | 'bottom') =>
    bandPanel(
      all.map((side) => ({ side, rows: sensitivityRows(side.data, metric) })),
      {
        x,
        y:
          metric === 'loss'
            ? lossAxis('')
            : metric === 'accuracy'
              ? { label: '↑ accuracy (%)' }
              : { label: '↑ sensitivity ‖∂p/∂x‖_F (test)' },
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
    notes: [
      ...divergenceNotes(d.models.flatMap((m) => m.runs.map((r) => ({ what: `batch ${m.batchSize}, seed ${r.seed}`, diverged: r.diverged })))),
      ...baseNotes(flatnessSensitivity),
    ],
  };
}

function figureSharpness(): FigureParts {
  const all = sensitivitySides();
  const d = headOf(all);
  const s = d.setup;
  const { x } = batchSizeAxis(all);
  const svg = stack(all, [
    bandPanel(
      all.map((side) => ({ side, rows: sensitivityRows(side.data, 'sharpness') })),
      {
        x,
        y: { type: 'log', label: '↑ largest Hessian eigenvalue λ_max (log)', tickFormat: powerOfTen },
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
    notes: [
      ...(unconverged.length ? [`Power iteration had not converged within ${s.sharpness.iterations} products for: ${unconverged.join('; ')} (the last estimate is drawn).`] : []),
      ...baseNotes(flatnessSensitivity),
    ],
  };
}

export function generalizationFigure(figure: GeneralizationFigure): FigureParts {
  switch (figure) {
    case 'I':
      return figureI();
    case 'J':
      return figureJK('loss');
    case 'K':
      return figureJK('accuracy');
    case 'L':
      return figureL();
    case 'M':
      return figureM();
    case 'sharpness':
      return figureSharpness();
  }
}
