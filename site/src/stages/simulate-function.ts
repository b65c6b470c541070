/** The "simulate a function" artifact as the report shows it: Figures A and B, the model summaries its tables and prose quote, and its checks. */

import { logTick, percent, sci } from '@hw1/pipeline/format';
import type { StageData } from '@hw1/pipeline/stages';
import { median, type Spread, spread } from '@hw1/pipeline/stats';
import { claim, deepVsShallow, finding, found, need, sizeGap, verdict } from '../lib/claims/check.ts';
import { headFirst, headOf, type Side } from '../lib/data/sides.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';
import { bucketMeans, Plot, palette, renderPlot, sideMarks, sidesLegend } from '../lib/figures/plot.ts';
import { argument, defineView, type FigureArgs } from './view.ts';

type SimulateFunctionData = StageData<'simulate-function'>;
export type FunctionResult = SimulateFunctionData['functions'][number];

/** Model names over every side, the head's first. */
const modelNames = (all: readonly Side<SimulateFunctionData>[]): string[] => headFirst(all, (d) => d.models.map((m) => m.name));

/** A function's results in one side's data, if that side fitted it. */
const functionIn = (d: SimulateFunctionData, id: string): FunctionResult | undefined => d.functions.find((f) => f.id === id);

export function functionResult(d: SimulateFunctionData, id: string): FunctionResult {
  const f = functionIn(d, id);
  if (!f)
    throw new Error(
      `simulate-function: no function "${id}" in the artifact (has ${d.functions.map((f) => f.id).join(', ')}); check the page and content/experiments/simulate-function.yaml`,
    );
  return f;
}

export interface ModelSummary {
  model: string;
  depth: number;
  parameters: number;
  /** Final training loss over the seeds that did not diverge; null if all diverged. */
  finalLoss: Spread | null;
  gridLoss: Spread | null;
  runs: number;
  diverged: number;
}

export function summarize(d: SimulateFunctionData, id: string): ModelSummary[] {
  return functionResult(d, id).results.map((r) => {
    const model = d.models.find((m) => m.name === r.model)!;
    const ok = r.runs.filter((run) => run.diverged === null);
    return {
      model: r.model,
      depth: model.depth,
      parameters: model.parameters,
      finalLoss: ok.length ? spread(ok.map((run) => run.finalLoss!)) : null,
      gridLoss: ok.length ? spread(ok.map((run) => run.gridLoss!)) : null,
      runs: r.runs.length,
      diverged: r.runs.length - ok.length,
    };
  });
}

/** Models ranked by median final training loss, best first (models whose runs all diverged last). */
export function ranking(d: SimulateFunctionData, id: string): ModelSummary[] {
  return summarize(d, id).sort((a, b) => (a.finalLoss?.median ?? Infinity) - (b.finalLoss?.median ?? Infinity));
}

/** What a figure of function `id` says under it: the runs that diverged. */
function notes(d: SimulateFunctionData, id: string): string[] {
  const runs = functionResult(d, id).results.flatMap((r) => r.runs.map((run) => ({ what: `${r.model}, seed ${run.seed}`, where: lossIn(run.diverged) })));
  return divergenceNotes(runs);
}

const POINTS = 300;

/** Figure A: training loss of every model vs. epoch, log y; median over seeds with a min–max band. Compare mode: base dashed underneath. */
function lossFigure(all: readonly Side<SimulateFunctionData>[], args: FigureArgs): FigureParts {
  const fn = argument(args, 'fn', 'simulate-function', 'loss');
  const d = headOf(all);
  const f = functionResult(d, fn);
  const models = modelNames(all);
  const rowsOf = (d: SimulateFunctionData) => {
    let bucket = 1;
    const rows = (functionIn(d, fn)?.results ?? []).flatMap((r) => {
      const runs = r.runs.filter((run) => run.diverged === null);
      if (runs.length === 0) return [];
      const series = runs.map((run) => bucketMeans(run.losses, POINTS));
      bucket = series[0]![0]!.size;
      return series[0]!.map((point, k) => {
        const values = series.map((s) => s[k]!.value);
        return { model: r.model, epoch: point.index + 1, median: median(values), min: Math.min(...values), max: Math.max(...values) };
      });
    });
    return { rows, bucket };
  };
  const { bucket } = rowsOf(d);
  const svg = renderPlot({
    width: 720,
    height: 360,
    marginLeft: 60,
    style: { fontSize: '12px' },
    x: { label: 'epoch →', grid: true },
    y: { type: 'log', label: '↑ training loss (MSE, log scale)', grid: true, tickFormat: logTick },
    color: { domain: models, range: palette, legend: true },
    marks: all.flatMap((s) => {
      const { rows } = rowsOf(s.data);
      const st = sideMarks(s);
      return [
        Plot.areaY(rows, st.area({ x: 'epoch', y1: 'min', y2: 'max', fill: 'model', fillOpacity: 0.15, ariaDescription: 'range over seeds' })),
        Plot.lineY(rows, st.line({ x: 'epoch', y: 'median', stroke: 'model', strokeWidth: 1.75, ariaDescription: 'median per model' })),
      ];
    }),
  });
  const seeds = d.training.seeds.length;
  return {
    id: `figure-a-${fn}`,
    svg: sidesLegend(all) + svg,
    caption: `Training loss vs. epoch for ${f.label}, all ${models.length} models. Line: median over ${seeds} seeds; band: min to max over seeds.${bucket > 1 ? ` Each point is the mean loss over ${bucket} consecutive epochs.` : ''}`,
    notes: notes(d, fn),
  };
}

/** Figure B: every model's prediction on [0, 1] and the ground truth, one graph; each seed faint, the mean bold. Compare mode: base dashed underneath. */
function predictionFigure(all: readonly Side<SimulateFunctionData>[], args: FigureArgs): FigureParts {
  const fn = argument(args, 'fn', 'simulate-function', 'prediction');
  const d = headOf(all);
  const f = functionResult(d, fn);
  const models = modelNames(all);
  const truth = 'ground truth';
  const xs = f.grid.x;
  const target = xs.map((x, i) => ({ series: truth, x, y: f.grid.y[i]! }));
  const linesOf = (d: SimulateFunctionData) => {
    const g = functionIn(d, fn);
    if (!g) return { runs: [], means: [] };
    const gx = g.grid.x;
    const runs = g.results.flatMap((r) =>
      r.runs
        .filter((run) => run.prediction)
        .flatMap((run) => run.prediction!.map((y, i) => ({ series: r.model, run: `${r.model}/${run.seed}`, x: gx[i]!, y }))),
    );
    const means = g.results.flatMap((r) => {
      const ok = r.runs.filter((run) => run.prediction);
      if (ok.length === 0) return [];
      return gx.map((x, i) => ({ series: r.model, x, y: ok.reduce((sum, run) => sum + run.prediction![i]!, 0) / ok.length }));
    });
    return { runs, means };
  };
  const parts = all.map((s) => ({ st: sideMarks(s), ...linesOf(s.data) }));
  const svg = renderPlot({
    width: 720,
    height: 380,
    marginLeft: 50,
    style: { fontSize: '12px' },
    x: { label: 'x →', domain: [0, 1] },
    y: { label: '↑ y', grid: true },
    // The target: a wide grey line under the predictions, solid, so no side's dashed lines (compare mode) can be taken for it.
    color: { domain: [...models, truth], range: [...palette.slice(0, models.length), '#949494'], legend: true },
    marks: [
      Plot.line(target, { x: 'x', y: 'y', stroke: 'series', strokeWidth: 5, ariaDescription: 'ground truth' }),
      ...parts.map(({ runs, st }) =>
        Plot.line(
          runs,
          st.line({ x: 'x', y: 'y', z: 'run', stroke: 'series', strokeOpacity: 0.3, strokeWidth: 1, ariaDescription: 'prediction of each seed' }),
        ),
      ),
      ...parts.map(({ means, st }) =>
        Plot.line(means, st.line({ x: 'x', y: 'y', stroke: 'series', strokeWidth: 1.75, ariaDescription: 'mean prediction per model' })),
      ),
    ],
  });
  return {
    id: `figure-b-${fn}`,
    svg: sidesLegend(all) + svg,
    caption: `Predictions for ${f.label} on ${xs.length} evenly spaced points of [0, 1]. Wide grey line: the target; bold: each model's mean prediction over seeds; faint: each seed.${all.length > 1 ? ' The base’s lines are dashed and fainter still.' : ''}`,
    notes: notes(d, fn),
  };
}

export default defineView('simulate-function', {
  figures: { loss: lossFigure, prediction: predictionFigure },
  checks: {
    /** The fully connected models have nearly the same number of parameters (HOMEWORK.md: within 2%). */
    'fit-models-same-size': claim((d: SimulateFunctionData) => {
      const counts = d.models.map((m) => m.parameters);
      const gap = sizeGap(counts);
      return verdict(gap <= 0.02, `parameter counts ${counts.join(', ')}: largest ${percent(gap)} above smallest (at most 2.0% allowed)`);
    }),
    /** Deepest vs. shallowest fully connected network on a function, by final training loss over seeds. */
    'depth-on-function': finding(['deeper-fits-better', 'shallower-fits-better', 'seeds-overlap'], (d: SimulateFunctionData, args) => {
      const fn = need(args, 'fn', 'depth-on-function');
      const { deep, shallow, side } = deepVsShallow(
        summarize(d, fn).filter((m) => m.finalLoss),
        (m) => m.finalLoss!,
      );
      return found(
        side === 'lower' ? 'deeper-fits-better' : side === 'higher' ? 'shallower-fits-better' : 'seeds-overlap',
        `${fn}: final loss of ${deep.model} ${sci(deep.finalLoss!.min)} to ${sci(deep.finalLoss!.max)} over seeds, of ${shallow.model} ${sci(shallow.finalLoss!.min)} to ${sci(shallow.finalLoss!.max)}`,
      );
    }),
  },
});
