/** The "train on actual tasks" artifact as the report shows it: Figures C and D per task, and the summaries its tables and prose quote. */

import type { StageData } from '@hw1/pipeline/stages';
import { median, type Spread, spread } from '@hw1/pipeline/stats';
import { dataOf } from '../lib/data/artifacts.ts';
import { baseNotes, headFirst, type Side, sidesOf } from '../lib/data/compare.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';
import { Plot, palette, renderPlot, sideMarks, sidesLegend } from '../lib/figures/plot.ts';
import { argument, type FigureArgs } from './view.ts';

type TrainOnTasksData = StageData<'train-on-tasks'>;
export type TaskResult = TrainOnTasksData['tasks'][number];

export const data = (): TrainOnTasksData => dataOf('train-on-tasks');

/** Head alone, or base and head in compare mode (../lib/data/compare.ts). */
export const sides = (): Side<TrainOnTasksData>[] => sidesOf('train-on-tasks');

/** A task in one side's data, if that side has it. */
const taskIn = (d: TrainOnTasksData, id: string): TaskResult | undefined => d.tasks.find((t) => t.id === id);

export function task(id: string): TaskResult {
  const t = taskIn(data(), id);
  if (!t)
    throw new Error(
      `train-on-tasks: no task "${id}" in the artifact (has ${data()
        .tasks.map((t) => t.id)
        .join(', ')}); check the page and content/experiments/train-on-tasks.yaml`,
    );
  return t;
}

export interface TaskModelSummary {
  model: string;
  depth: number;
  parameters: number;
  trainLoss: Spread | null;
  trainAccuracy: Spread | null;
  testAccuracy: Spread | null;
  diverged: number;
}

export function summarize(id: string): TaskModelSummary[] {
  return task(id).models.map((m) => {
    const ok = m.runs.filter((r) => !r.diverged);
    const last = ok.map((r) => r.epochs[r.epochs.length - 1]!);
    return {
      model: m.name,
      depth: m.depth,
      parameters: m.parameters,
      trainLoss: ok.length ? spread(last.map((e) => e.loss)) : null,
      trainAccuracy: ok.length ? spread(last.map((e) => e.accuracy)) : null,
      testAccuracy: ok.length ? spread(ok.map((r) => r.test!.accuracy)) : null,
      diverged: m.runs.length - ok.length,
    };
  });
}

const epochTicks = (n: number) => {
  const step = Math.max(1, Math.ceil(n / 10));
  return Array.from({ length: Math.floor((n - 1) / step) + 1 }, (_, i) => 1 + i * step);
};

/** Figure C (metric "loss") or D ("accuracy"): every CNN on one task vs. epoch; median over seeds with a min–max band. Compare mode: base dashed underneath. */
function taskFigure(metric: 'loss' | 'accuracy') {
  return (args: FigureArgs): FigureParts => {
    const t = task(argument(args, 'task', 'train-on-tasks', metric));
    const id = `figure-${metric === 'loss' ? 'c' : 'd'}-${t.id}`;
    if (t.missing) return { id, svg: '', caption: `${t.label} is not installed; this figure was not computed.`, notes: [] };
    const all = sides();
    const models = headFirst(all, (d) => taskIn(d, t.id)?.models.map((m) => m.name) ?? []);
    const pick = (e: { loss: number; accuracy: number }) => (metric === 'loss' ? e.loss : 100 * e.accuracy);
    const rowsOf = (d: TrainOnTasksData) => {
      const tt = taskIn(d, t.id);
      if (!tt || tt.missing) return [];
      return tt.models.flatMap((m) => {
        const runs = m.runs.filter((r) => !r.diverged);
        if (runs.length === 0) return [];
        return runs[0]!.epochs.map((_, i) => {
          const values = runs.map((r) => pick(r.epochs[i]!));
          return { model: m.name, epoch: i + 1, median: median(values), min: Math.min(...values), max: Math.max(...values) };
        });
      });
    };
    const epochs = Math.max(...all.map((x) => x.data.training.epochs));
    const svg = renderPlot({
      width: 720,
      height: 340,
      marginLeft: 60,
      style: { fontSize: '12px' },
      // Whole epochs only: a count of ticks would put some between epochs and round their labels.
      x: { label: 'epoch →', domain: [1, epochs], ticks: epochTicks(epochs), tickFormat: 'd', grid: true },
      y: metric === 'loss' ? { label: '↑ training loss (cross-entropy)', grid: true, zero: true } : { label: '↑ training accuracy (%)', grid: true },
      color: { domain: models, range: palette, legend: true },
      marks: all.flatMap((x) => {
        const rows = rowsOf(x.data);
        const st = sideMarks(x);
        return [
          Plot.areaY(rows, st.area({ x: 'epoch', y1: 'min', y2: 'max', fill: 'model', fillOpacity: 0.15, ariaDescription: 'range over seeds' })),
          Plot.lineY(rows, st.line({ x: 'epoch', y: 'median', stroke: 'model', strokeWidth: 1.75, ariaDescription: 'median per model' })),
          Plot.dot(rows, st.dot({ x: 'epoch', y: 'median', fill: 'model', r: 2.5, ariaDescription: 'median at each epoch' })),
        ];
      }),
    });
    const what = metric === 'loss' ? 'Training loss (mean cross-entropy over each epoch’s mini-batches)' : 'Training accuracy (over each epoch’s mini-batches)';
    const runs = t.models.flatMap((m) => m.runs.map((r) => ({ what: `${m.name}, seed ${r.seed}`, where: lossIn(r.diverged) })));
    return {
      id,
      svg: sidesLegend(all) + svg,
      caption: `${what} vs. epoch on ${t.label}, all ${models.length} CNNs. Line: median over ${data().training.seeds.length} seeds; band: min to max.`,
      notes: [...divergenceNotes(runs), ...baseNotes('train-on-tasks')],
    };
  };
}

export const figures = { loss: taskFigure('loss'), accuracy: taskFigure('accuracy') };
