/** The "minimal ratio" artifact as the report shows it: Figure H, the facts its setup and prose quote, and its checks. */
import { logTick, sci } from '@hw1/pipeline/format';
import { spearman } from '@hw1/pipeline/rank-stats';
import type { StageData } from '@hw1/pipeline/stages';
import { median } from '@hw1/pipeline/stats';
import { claim, correlationOutcome, finding, found, rhoText, verdict } from '../lib/claims/check.ts';
import { perData } from '../lib/data/facts.ts';
import { headOf, type Side } from '../lib/data/sides.ts';
import { divergenceNotes, type FigureParts } from '../lib/figures/figure.ts';
import { Plot, palette, renderPlot, sideMarks, sidesLegend } from '../lib/figures/plot.ts';
import { defineView } from './view.ts';

type MinimalRatioData = StageData<'minimal-ratio'>;
type MinimalRatioRun = MinimalRatioData['runs'][number];

/** Runs with a result (not diverged). */
export const finishedRuns = (d: MinimalRatioData): MinimalRatioRun[] => d.runs.filter((r) => r.diverged === null);

/** What the page quotes about the runs. */
export const facts = perData((d: MinimalRatioData) => {
  const runs = d.runs.filter((r) => r.diverged === null);
  const ratios = runs.map((r) => r.minimalRatio!);
  return {
    runs: d.runs.length,
    finished: runs.length,
    reachedThreshold: runs.filter((r) => r.stop === 'threshold').length,
    stepLimit: runs.filter((r) => r.stop === 'step-limit').length,
    stalled: runs.filter((r) => r.stop === 'stalled').length,
    ratioOne: ratios.filter((v) => v === 1).length,
    medianRatio: median(ratios),
    minRatio: Math.min(...ratios),
    maxRatio: Math.max(...ratios),
    medianGradientNorm: median(runs.map((r) => r.gradientNorm!)),
    medianPhase1GradientNorm: median(runs.map((r) => r.phase1GradientNorm!)),
    medianNegative: median(runs.map((r) => r.eigenvalues!.filter((e) => e < -d.setup.eigenvalueTolerance).length)),
    /** Eigenvalues within the tolerance of zero per point (median): directions the loss is flat along, to second order. */
    medianFlat: median(runs.map((r) => r.eigenvalues!.filter((e) => Math.abs(e) <= d.setup.eigenvalueTolerance).length)),
    medianPositive: median(runs.map((r) => r.eigenvalues!.filter((e) => e > d.setup.eigenvalueTolerance).length)),
    parameters: d.setup.parameters,
    /** Points with an eigenvalue below −tolerance: saddle points, not minima. */
    saddles: runs.filter((r) => r.eigenvalues!.some((e) => e < -d.setup.eigenvalueTolerance)).length,
    /** Spearman's rank correlation of minimal ratio and loss over the points (Figure H's trend). */
    ratioLossCorrelation: spearman(
      ratios,
      runs.map((r) => r.loss!),
    ),
  };
});

/** Phase 2's stopping reasons as the figure's legend names them. */
export const stopLabels: Record<MinimalRatioRun['stop'], string> = {
  threshold: 'reached the gradient threshold',
  'step-limit': 'stopped at the step limit',
  stalled: 'stalled (no step lowered ‖∇L‖)',
  diverged: 'diverged',
};

/** Figure H: minimal ratio (x) vs. loss (y, log) at the near-critical point, one point per run, colored by how phase 2 stopped. Compare mode: base hollow and faded. */
function ratioFigure(all: readonly Side<MinimalRatioData>[]): FigureParts {
  const d = headOf(all);
  const finishedIn = (dd: MinimalRatioData) => dd.runs.filter((r) => r.diverged === null);
  const stops = (['threshold', 'step-limit', 'stalled'] as const).filter((s) => all.some((x) => finishedIn(x.data).some((r) => r.stop === s)));
  const rowsOf = (dd: MinimalRatioData) =>
    finishedIn(dd).map((r) => ({ ratio: r.minimalRatio!, loss: r.loss!, stop: stopLabels[r.stop], run: r.run, gradientNorm: r.gradientNorm! }));
  const rows = rowsOf(d);
  const svg = renderPlot({
    width: 720,
    height: 380,
    marginLeft: 60,
    // Room for the long x label below the tick labels, and for markers at the edges of the domain.
    marginBottom: 44,
    inset: 8,
    style: { fontSize: '12px' },
    x: { label: 'minimal ratio (fraction of Hessian eigenvalues > tolerance) →', grid: true },
    y: { type: 'log', label: '↑ training loss (MSE, log scale)', grid: true, tickFormat: logTick },
    color: { domain: stops.map((s) => stopLabels[s]), range: palette, legend: true },
    symbol: { domain: stops.map((s) => stopLabels[s]), range: ['circle', 'triangle', 'square'] },
    marks: all.map((x) =>
      Plot.dot(
        rowsOf(x.data),
        sideMarks(x).dot({
          x: 'ratio',
          y: 'loss',
          stroke: 'stop',
          symbol: 'stop',
          r: 3.5,
          strokeWidth: 1.5,
          title: (r: (typeof rows)[number]) =>
            `${x.label ? `${x.side}: ` : ''}run ${r.run}: ratio ${r.ratio.toFixed(3)}, loss ${sci(r.loss)}, ‖∇L‖ ${sci(r.gradientNorm)}`,
          ariaDescription: 'one point per run',
        }),
      ),
    ),
  });
  const s = d.setup;
  const diverged = d.runs.map((r) => ({
    what: `run ${r.run} (seed ${r.seed})`,
    where: r.diverged && `${r.diverged.value} in ${r.diverged.phase} at step ${r.diverged.step}`,
  }));
  return {
    id: 'figure-h',
    svg: sidesLegend(all, 'dot') + svg,
    caption: `Minimal ratio vs. training loss at the point phase 2 reached, one point per run (${rows.length} of ${d.runs.length} runs). The ${s.parameters}-parameter MLP ${s.layers.join('→')} (${s.activation}) fits ${s.targetLabel}; an eigenvalue counts as positive above ${sci(s.eigenvalueTolerance)}. Color: whether ‖∇L‖ fell below ${sci(s.phase2.gradientThreshold)} within ${s.phase2.maxSteps} steps.`,
    notes: divergenceNotes(diverged),
  };
}

export default defineView('minimal-ratio', {
  facts,
  figures: { ratio: ratioFigure },
  checks: {
    /** Every run's minimal ratio is the fraction of its Hessian's eigenvalues above the tolerance (the homework's definition). */
    'minimal-ratio-definition': claim((d: MinimalRatioData) => {
      const tol = d.setup.eigenvalueTolerance;
      const runs = finishedRuns(d);
      const wrong = runs.filter((r) => Math.abs(r.eigenvalues!.filter((e) => e > tol).length / r.eigenvalues!.length - r.minimalRatio!) > 1e-12);
      return verdict(
        runs.length > 0 && wrong.length === 0,
        `${runs.length - wrong.length} of ${runs.length} runs: minimal ratio = (eigenvalues > ${tol}) / ${runs[0]?.eigenvalues?.length ?? 0}`,
      );
    }),
    /** What the near-zero-gradient points are: mostly saddles (an eigenvalue below −tolerance in more than half), mostly minima, or neither. */
    'critical-point-kind': finding(['mostly-saddles', 'mostly-minima', 'even'], (d: MinimalRatioData) => {
      const f = facts(d);
      const minima = f.finished - f.saddles;
      return found(
        f.saddles > f.finished / 2 ? 'mostly-saddles' : minima > f.finished / 2 ? 'mostly-minima' : 'even',
        `${f.saddles} of ${f.finished} points have an eigenvalue below −${d.setup.eigenvalueTolerance}; ${minima} have none`,
      );
    }),
    /** Figure H's trend: the rank correlation of minimal ratio and loss over the points. */
    'ratio-vs-loss': finding(['higher-ratio-lower-loss', 'higher-ratio-higher-loss', 'no-relation'], (d: MinimalRatioData) => {
      const f = facts(d);
      const rho = f.ratioLossCorrelation;
      return found(
        correlationOutcome(rho, f.finished, 'higher-ratio-lower-loss', 'higher-ratio-higher-loss', 'no-relation'),
        rhoText(rho, f.finished, 'points'),
      );
    }),
  },
});
