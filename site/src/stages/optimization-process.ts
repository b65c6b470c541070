/**
 * The "optimization process" artifact and its figures: parameter trajectories
 * on PCA planes (E, F), gradient norm and loss per step (G) and the error
 * surface. Render functions take the data, so they can be tested without a
 * site build, and draw diverged runs never: those become notices.
 */
import { logTick, percent, sci } from '@hw1/pipeline/format';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { claim, fallFactor, finding, found, unchecked, verdict } from '../lib/claims/check.ts';
import { perData } from '../lib/data/facts.ts';
import { asSides, headOf, type Side } from '../lib/data/sides.ts';
import { type FigureParts, divergenceNotes as notesOnRuns } from '../lib/figures/figure.ts';
import {
  bucketMeans,
  frameMargins,
  linearPixels,
  Plot,
  palette,
  placedLabels,
  placeLabels,
  renderPlot,
  sideBySide,
  sideMarks,
  sidesLegend,
} from '../lib/figures/plot.ts';
import { defineView } from './view.ts';

type OptimizationProcessData = StageData<'optimization-process'>;

/** The data of a figure: one artifact's, or the sides of a compare build. */
type Input = OptimizationProcessData | readonly Side<OptimizationProcessData>[];

/** Each side's own figure next to the other's, for figures that cannot overlay (each side has its own plane). */
function pairOf(all: readonly Side<OptimizationProcessData>[], draw: (d: OptimizationProcessData) => FigureParts, why: string): FigureParts {
  const parts = all.map((s) => ({ ...s, figure: draw(s.data) }));
  const head = parts.find((p) => p.side === 'head')!.figure;
  const base = parts.find((p) => p.side === 'base')!.figure;
  return {
    id: head.id,
    svg: sideBySide(parts.map((p) => ({ side: p.side, label: p.label, svg: p.figure.svg }))),
    caption: `${head.caption} Base and head drawn apart, the base first: ${why}`,
    notes: [...head.notes, ...base.notes.map((n) => `Base: ${n}`)],
  };
}

export type Scope = 'model' | 'layer';

/** Eight runs: the palette's seven colours and a grey. */
const runColors = [...palette, '#999999'];
const runName = (seed: number) => `seed ${seed}`;

export function divergenceNotes(d: OptimizationProcessData): string[] {
  return notesOnRuns(
    d.runs.map((r) => ({ what: `seed ${r.seed}`, where: r.diverged && `${r.diverged.value} at epoch ${r.diverged.epoch} (step ${r.diverged.iteration})` })),
  );
}

function scopeName(d: OptimizationProcessData, scope: Scope): string {
  const t = d.training;
  return scope === 'model' ? `the whole model (${t.parameters} parameters)` : `layer ${t.layer.index} (${t.layer.name}: ${t.layer.parameters} parameters)`;
}

/** Figures E (one layer) and F (whole model): every run's snapshots on the two components of one PCA over all runs. */
export function trajectoryFigure(input: Input, scope: Scope): FigureParts {
  const all = asSides(input);
  if (all.length > 1)
    return pairOf(all, (d) => trajectoryFigure(d, scope), 'each side reduces its own snapshots with its own PCA, so their axes are not comparable.');
  const d = all[0]!.data;
  const t = d.training;
  const variance = d.pca[scope];
  const runs = d.runs.filter((r) => !r.diverged && r[scope]);
  const rows = runs.flatMap((r) => r.snapshotEpochs.map((epoch, k) => ({ run: runName(r.seed), epoch, x: r[scope]!.x[k]!, y: r[scope]!.y[k]! })));
  const starts = rows.filter((row) => row.epoch === 0);
  const ends = runs.map((r) => rows.filter((row) => row.run === runName(r.seed)).at(-1)!);
  // The last epoch's labels are placed in pixels, off each other and inside the frame, so the scales are fixed here.
  const chart = { width: 720, height: 520, marginLeft: 60, marginRight: 20, inset: 10, ...frameMargins };
  const frame = { left: chart.marginLeft, right: chart.width - chart.marginRight, top: chart.marginTop, bottom: chart.height - chart.marginBottom };
  const px = linearPixels(
    rows.map((row) => row.x),
    [frame.left + chart.inset, frame.right - chart.inset],
  );
  const py = linearPixels(
    rows.map((row) => row.y),
    [frame.bottom - chart.inset, frame.top + chart.inset],
  );
  const endLabels = placeLabels(ends, { at: (e) => [px.at(e.x), py.at(e.y)], text: (e) => `${e.epoch}`, fontSize: 12, frame });
  const svg =
    variance && rows.length
      ? renderPlot({
          ...chart,
          style: { fontSize: '12px' },
          x: { label: `PC1 (${percent(variance[0])} of variance) →`, grid: true, domain: px.domain },
          y: { label: `↑ PC2 (${percent(variance[1])} of variance)`, grid: true, domain: py.domain },
          color: { domain: runs.map((r) => runName(r.seed)), range: runColors, legend: true },
          r: { range: [1, 5] },
          marks: [
            Plot.line(rows, { x: 'x', y: 'y', z: 'run', stroke: 'run', strokeOpacity: 0.5, ariaDescription: 'trajectory per run' }),
            Plot.dot(rows, { x: 'x', y: 'y', r: 'epoch', fill: 'run', fillOpacity: 0.8, ariaDescription: 'snapshot, sized by epoch' }),
            Plot.dot(starts, { x: 'x', y: 'y', r: 7, stroke: 'run', strokeWidth: 1.5, ariaDescription: 'start (epoch 0)' }),
            ...placedLabels(endLabels, { x: 'x', y: 'y', text: (row: { epoch: number }) => `${row.epoch}`, fontSize: 12, ariaDescription: 'last epoch' }),
          ],
        })
      : '';
  const caption =
    `Trajectories of ${scopeName(d, scope)} during training, ${runs.length} runs (seeds) colored by run. ` +
    `Parameters recorded every ${t.recordEvery} epochs from epoch 0 to ${t.epochs}, reduced to 2-D by one PCA fitted over all runs' snapshots together. ` +
    (variance ? `PC1 explains ${percent(variance[0])} of the variance, PC2 ${percent(variance[1])}. ` : '') +
    `Dots grow with the epoch; a ring marks epoch 0 and the number the last epoch.`;
  const notes = divergenceNotes(d);
  if (!variance || rows.length === 0) notes.push('Every run diverged: there is no trajectory to draw.');
  return { id: `figure-trajectory-${scope}`, svg, caption, notes };
}

const POINTS = 400;

/** Per run (diverged ones left out) a series reduced to at most POINTS bucket means, and their median over runs. */
function iterationRows(d: OptimizationProcessData, metric: 'loss' | 'gradientNorm') {
  const runs = d.runs.filter((r) => !r.diverged && r.iterations[metric].length > 0);
  const series = runs.map((r) => ({ run: runName(r.seed), points: bucketMeans(r.iterations[metric], POINTS) }));
  const each = series.flatMap((s) => s.points.map((p) => ({ run: s.run, iteration: p.index + 1, value: p.value })));
  const longest = Math.max(0, ...series.map((s) => s.points.length));
  const medians = Array.from({ length: longest }, (_, k) => {
    const values = series.flatMap((s) => (k < s.points.length ? [s.points[k]!.value] : []));
    return { iteration: series.find((s) => k < s.points.length)!.points[k]!.index + 1, value: median(values) };
  });
  return { each: each.filter((p) => p.value > 0), medians: medians.filter((p) => p.value > 0), bucket: series[0]?.points[0]?.size ?? 1, runs: runs.length };
}

/** Figure G: gradient norm (top) and loss (bottom) vs. optimizer step, two panels with one x axis. */
export function gradientNormFigure(input: Input): FigureParts {
  const all = asSides(input);
  const d = headOf(all);
  const t = d.training;
  const norm = iterationRows(d, 'gradientNorm');
  const runNames = [...new Set(all.flatMap((s) => s.data.runs.filter((r) => !r.diverged).map((r) => runName(r.seed))))];
  const steps = Math.max(1, ...all.flatMap((s) => s.data.runs.filter((r) => !r.diverged).map((r) => r.iterations.loss.length)));
  const perSide = all.map((s) => ({ side: s, st: sideMarks(s), norm: iterationRows(s.data, 'gradientNorm'), loss: iterationRows(s.data, 'loss') }));
  const panel = (metric: 'norm' | 'loss', label: string, bottom: boolean) =>
    renderPlot({
      width: 720,
      height: bottom ? 260 : 220,
      marginLeft: 60,
      marginBottom: bottom ? 40 : 10,
      style: { fontSize: '12px' },
      x: { domain: [1, steps], grid: true, label: bottom ? 'iteration (optimizer step) →' : null, tickFormat: bottom ? undefined : () => '' },
      y: { type: 'log', label, grid: true, tickFormat: logTick },
      color: { domain: runNames, range: runColors, legend: !bottom },
      marks: perSide.flatMap(({ st, ...p }) => [
        Plot.lineY(p[metric].each, st.line({ x: 'iteration', y: 'value', z: 'run', stroke: 'run', strokeOpacity: 0.35, ariaDescription: 'every run' })),
        Plot.lineY(p[metric].medians, st.line({ x: 'iteration', y: 'value', stroke: 'currentColor', strokeWidth: 1.75, ariaDescription: 'median over runs' })),
      ]),
    });
  const svg = norm.runs ? sidesLegend(all) + panel('norm', '↑ gradient norm ‖∇θ L‖₂ (log)', false) + panel('loss', '↑ minibatch loss (MSE, log)', true) : '';
  const caption =
    `Top: L2 norm of the full gradient (all ${t.parameters} parameters) at every optimizer step; bottom: the minibatch training loss at the same steps, ` +
    `${t.optimizer}, learning rate ${t.learningRate}, batch ${t.batchSize} (${t.stepsPerEpoch} steps per epoch), ${t.epochs} epochs. ` +
    `Thin lines: each of ${norm.runs} runs; thick line: median over runs.` +
    (norm.bucket > 1 ? ` Each point is the mean over ${norm.bucket} consecutive steps.` : '');
  const notes = divergenceNotes(d);
  if (!norm.runs) notes.push('Every run diverged: there is no gradient norm to draw.');
  return { id: 'figure-gradient-norm', svg, caption, notes };
}

/** Log-spaced contour levels between the smallest and largest loss on the grid. */
function logLevels(values: readonly number[], count: number): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [];
  const lo = Math.log10(Math.min(...positive));
  const hi = Math.log10(Math.max(...positive));
  if (hi - lo < 1e-12) return [10 ** lo];
  return Array.from({ length: count }, (_, i) => 10 ** (lo + ((hi - lo) * i) / count));
}

/** A grid with its first and last row and column repeated outside it. */
const padded = (grid: readonly (readonly number[])[]): number[][] => [grid[0]!, ...grid, grid.at(-1)!].map((row) => [row[0]!, ...row, row.at(-1)!]);

/** The error surface: filled contours of the loss on the plane, the trajectory projected on top. */
export function surfaceFigure(input: Input): FigureParts {
  const all = asSides(input);
  if (all.length > 1) return pairOf(all, (d) => surfaceFigure(d), 'a surface cannot be overlaid, and each side draws it on the plane of its own trajectory.');
  const d = all[0]!.data;
  const s = d.surface;
  if (!s)
    return {
      id: 'figure-error-surface',
      svg: '',
      caption: 'Error surface: not computed.',
      notes: [...divergenceNotes(d), 'Every run diverged: there is no trained solution to draw the surface around.'],
    };
  const { alpha, beta } = s;
  const da = (alpha.at(-1)! - alpha[0]!) / (alpha.length - 1);
  const db = (beta.at(-1)! - beta[0]!) / (beta.length - 1);
  const values = s.loss.flat();
  const levels = logLevels(values, 8);
  // Plot passes a scale's legend options on to its legend, though ScaleOptions does not declare them.
  const legendWidth: Record<string, number> = { width: 520 };
  const path = s.trajectory.epoch.map((epoch, k) => ({ epoch, a: s.trajectory.alpha[k]!, b: s.trajectory.beta[k]!, loss: s.trajectory.loss[k]! }));
  const svg = renderPlot({
    width: 720,
    height: 560,
    marginLeft: 60,
    style: { fontSize: '12px' },
    x: { label: 'direction 1 (PC1 of the trajectory) →', domain: [alpha[0]! - da / 2, alpha.at(-1)! + da / 2] },
    y: { label: '↑ direction 2 (PC2 of the trajectory)', domain: [beta[0]! - db / 2, beta.at(-1)! + db / 2] },
    // A threshold scale: its legend is SVG, while a continuous ramp needs a canvas the build does not have.
    color: {
      type: 'threshold',
      domain: levels,
      scheme: 'viridis',
      legend: true,
      ...legendWidth,
      label: 'training loss (MSE), log-spaced levels',
      tickFormat: (v: number) => v.toPrecision(2),
    },
    r: { range: [1, 4.5] },
    marks: [
      // Samples sit at cell centres: the grid spans half a step beyond the outer samples. d3's contours cut each corner
      // of the grid off, so the grid is widened by a copy of its edge on every side and clipped to the frame: the cut falls outside.
      Plot.contour(padded(s.loss).flat(), {
        width: alpha.length + 2,
        height: beta.length + 2,
        x1: alpha[0]! - (3 * da) / 2,
        x2: alpha.at(-1)! + (3 * da) / 2,
        y1: beta[0]! - (3 * db) / 2,
        y2: beta.at(-1)! + (3 * db) / 2,
        clip: true,
        fill: Plot.identity,
        stroke: 'white',
        strokeOpacity: 0.35,
        thresholds: levels,
        ariaDescription: 'loss contours',
      }),
      Plot.line(path, { x: 'a', y: 'b', stroke: 'white', strokeWidth: 1.5, ariaDescription: 'trajectory' }),
      Plot.dot(path, { x: 'a', y: 'b', r: 'epoch', fill: 'white', stroke: 'black', strokeWidth: 0.5, ariaDescription: 'snapshot, sized by epoch' }),
      Plot.dot([path[0]!], { x: 'a', y: 'b', r: 7, stroke: 'white', strokeWidth: 1.5, ariaDescription: 'start (epoch 0)' }),
      Plot.dot([{ a: 0, b: 0 }], { x: 'a', y: 'b', symbol: 'star', r: 8, fill: 'white', stroke: 'black', ariaDescription: 'trained solution' }),
    ],
  });
  const caption =
    `Error surface: training loss on the plane through the trained parameters of seed ${s.seed} (star), spanned by ${s.directions} ` +
    `(PC1 ${percent(s.explainedVariance[0])}, PC2 ${percent(s.explainedVariance[1])} of that trajectory's variance), on a ${alpha.length}×${beta.length} grid. ` +
    `White line: the trajectory projected onto the plane, dots growing with the epoch, a ring at epoch 0. ` +
    `The loss along the actual trajectory fell from ${s.trajectory.loss[0]!.toExponential(2)} to ${s.trajectory.loss.at(-1)!.toExponential(2)}; off the plane, the projected points need not sit at the contour's value.`;
  return { id: 'figure-error-surface', svg, caption, notes: divergenceNotes(d) };
}

/** The node of a sorted grid axis nearest to a value. */
const nearest = (axis: readonly number[], v: number) => axis.reduce((best, a, i) => (Math.abs(a - v) < Math.abs(axis[best]! - v) ? i : best), 0);

/**
 * What the prose says about the error surface: where its lowest point lies
 * relative to the trained solution (the plane's origin), and how steeply the
 * loss rises along each direction at the same distance from it (the largest
 * distance the grid reaches on both sides of both directions).
 */
export function surfaceFacts(d: OptimizationProcessData) {
  const s = d.surface;
  // Without a surface every number is NaN, so the prose's values still resolve; <When has="surface.computed"> hides that prose.
  if (!s)
    return {
      computed: false,
      lowest: NaN,
      atSolution: NaN,
      lowestStepsAway: NaN,
      distance: NaN,
      rise1: NaN,
      rise2: NaN,
      steepness: NaN,
      startLoss: NaN,
    };
  const { alpha, beta, loss } = s;
  const [i0, j0] = [nearest(alpha, 0), nearest(beta, 0)];
  let lowest = { value: Infinity, i: 0, j: 0 };
  loss.forEach((row, j) => {
    row.forEach((value, i) => {
      if (value < lowest.value) lowest = { value, i, j };
    });
  });
  const distance = Math.min(-alpha[0]!, alpha.at(-1)!, -beta[0]!, beta.at(-1)!);
  const centre = loss[j0]![i0]!;
  const rise1 = (loss[j0]![nearest(alpha, distance)]! + loss[j0]![nearest(alpha, -distance)]!) / 2 - centre;
  const rise2 = (loss[nearest(beta, distance)]![i0]! + loss[nearest(beta, -distance)]![i0]!) / 2 - centre;
  return {
    computed: true,
    lowest: lowest.value,
    atSolution: centre,
    /** Grid steps between the lowest node and the node nearest the solution (the larger of the two directions). */
    lowestStepsAway: Math.max(Math.abs(lowest.i - i0), Math.abs(lowest.j - j0)),
    distance,
    rise1,
    rise2,
    /** How many times as much the loss rises along direction 2 as along direction 1 at that distance. */
    steepness: rise2 / rise1,
    startLoss: s.trajectory.loss[0]!,
  };
}

export const facts = perData((d: OptimizationProcessData) => ({ surface: surfaceFacts(d) }));

export default defineView('optimization-process', {
  facts,
  figures: {
    'trajectory-layer': (all) => trajectoryFigure(all, 'layer'),
    'trajectory-model': (all) => trajectoryFigure(all, 'model'),
    'gradient-norm': (all) => gradientNormFigure(all),
    surface: (all) => surfaceFigure(all),
  },
  checks: {
    /** Two principal components leave part of the snapshots' variance out, for the layer and for the whole model. */
    'pca-partial-variance': claim((d: OptimizationProcessData) => {
      const kept = (['layer', 'model'] as const).map((s) => ({ s, v: d.pca[s] ? d.pca[s]![0] + d.pca[s]![1] : NaN }));
      if (kept.some((k) => Number.isNaN(k.v))) return unchecked('every run diverged: no PCA');
      return verdict(
        kept.every((k) => k.v < 0.999),
        kept.map((k) => `${k.s}: PC1 + PC2 explain ${percent(k.v)}`).join('; '),
      );
    }),
    /** Over a run, the loss falls by a larger factor than the gradient norm (first tenth of the steps vs. the last, median over runs). */
    'loss-falls-faster-than-gradient-norm': claim((d: OptimizationProcessData) => {
      const runs = d.runs.filter((r) => !r.diverged && r.iterations.loss.length >= 10);
      if (runs.length === 0) return unchecked('no finished run');
      const loss = median(runs.map((r) => fallFactor(r.iterations.loss)));
      const norm = median(runs.map((r) => fallFactor(r.iterations.gradientNorm)));
      return verdict(
        loss > norm,
        `from the first tenth of the steps to the last (median over ${runs.length} runs), the loss falls ${loss.toFixed(1)}-fold, the gradient norm ${norm.toFixed(1)}-fold`,
      );
    }),
    /** Whether the lowest loss on the error surface's grid lies at the trained solution (within two grid steps of the plane's origin). */
    'surface-lowest-at-solution': claim((d: OptimizationProcessData) => {
      const f = facts(d).surface;
      if (!f.computed) return unchecked('every run diverged: no surface');
      return verdict(
        f.lowestStepsAway <= 2,
        `lowest loss on the grid ${sci(f.lowest)}, ${f.lowestStepsAway} grid step${f.lowestStepsAway === 1 ? '' : 's'} from the trained solution (loss ${sci(f.atSolution)} there)`,
      );
    }),
    /** The shape of the error surface around the solution: a valley along one direction (the loss rises at least twice as much along the other) or a round bowl. */
    'surface-shape': finding(['valley-along-1', 'valley-along-2', 'round'], (d: OptimizationProcessData) => {
      const f = facts(d).surface;
      if (!f.computed) return unchecked('every run diverged: no surface');
      return found(
        f.steepness >= 2 ? 'valley-along-1' : f.steepness <= 0.5 ? 'valley-along-2' : 'round',
        `at distance ${f.distance.toPrecision(2)} from the solution the loss rises by ${sci(f.rise1)} along direction 1 and ${sci(f.rise2)} along direction 2 (ratio ${f.steepness.toPrecision(3)}; 2 or more either way counts as a valley)`,
      );
    }),
  },
});
