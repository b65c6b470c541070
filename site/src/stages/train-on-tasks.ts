/** The "train on actual tasks" artifact as the report shows it: Figures C and D per task, the summaries its tables and prose quote, and its checks. */

import { percent } from '@hw1/pipeline/format';
import type { StageData } from '@hw1/pipeline/stages';
import { median, type Spread, spread } from '@hw1/pipeline/stats';
import { claim, deepVsShallow, finding, found, need, sizeGap, unchecked, verdict } from '../lib/claims/check.ts';
import { headFirst, headOf, type Side } from '../lib/data/sides.ts';
import { divergenceNotes, type FigureParts, lossIn } from '../lib/figures/figure.ts';
import { Plot, palette, renderPlot, sideMarks, sidesLegend } from '../lib/figures/plot.ts';
import { argument, defineView, type FigureArgs } from './view.ts';

type TrainOnTasksData = StageData<'train-on-tasks'>;
export type TaskResult = TrainOnTasksData['tasks'][number];

/** A task in one side's data, if that side has it. */
const taskIn = (d: TrainOnTasksData, id: string): TaskResult | undefined => d.tasks.find((t) => t.id === id);

export function task(d: TrainOnTasksData, id: string): TaskResult {
  const t = taskIn(d, id);
  if (!t)
    throw new Error(
      `train-on-tasks: no task "${id}" in the artifact (has ${d.tasks.map((t) => t.id).join(', ')}); check the page and content/experiments/train-on-tasks.yaml`,
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

export function summarize(d: TrainOnTasksData, id: string): TaskModelSummary[] {
  return task(d, id).models.map((m) => {
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
  return (all: readonly Side<TrainOnTasksData>[], args: FigureArgs): FigureParts => {
    const d = headOf(all);
    const t = task(d, argument(args, 'task', 'train-on-tasks', metric));
    const id = `figure-${metric === 'loss' ? 'c' : 'd'}-${t.id}`;
    if (t.missing) return { id, svg: '', caption: `${t.label} is not installed; this figure was not computed.`, notes: [] };
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
      caption: `${what} vs. epoch on ${t.label}, all ${models.length} CNNs. Line: median over ${d.training.seeds.length} seeds; band: min to max.`,
      notes: divergenceNotes(runs),
    };
  };
}

/** The best median test accuracy over a task's CNNs; null when the task was not computed. */
function bestTestAccuracy(d: TrainOnTasksData, id: string): number | null {
  const t = taskIn(d, id);
  if (!t || t.missing) return null;
  return Math.max(...summarize(d, id).flatMap((s) => (s.testAccuracy ? [s.testAccuracy.median] : [])));
}

export default defineView('train-on-tasks', {
  figures: { loss: taskFigure('loss'), accuracy: taskFigure('accuracy') },
  checks: {
    /** On every installed task, the CNNs' parameter counts are within 10% of each other. */
    'cnn-models-same-size': claim((d: TrainOnTasksData) => {
      const gaps = d.tasks.map((t) => ({ task: t.id, counts: t.models.map((m) => m.parameters), gap: sizeGap(t.models.map((m) => m.parameters)) }));
      return verdict(
        gaps.every((g) => g.gap <= 0.1),
        gaps.map((g) => `${g.task}: ${g.counts.join(', ')} (largest ${percent(g.gap)} above smallest)`).join('; '),
      );
    }),
    /** The shallowest CNN holds most of its parameters in the final dense layer; the deepest holds a larger share in convolutions. */
    'cnn-parameter-split': claim((d: TrainOnTasksData) => {
      const t = d.tasks[0]!;
      const share = (m: (typeof t.models)[number], kind: 'dense' | 'conv') =>
        m.layers.filter((l) => l.kind.startsWith(kind)).reduce((s, l) => s + l.parameters, 0) / m.parameters;
      const shallow = t.models.reduce((a, b) => (b.depth < a.depth ? b : a));
      const deep = t.models.reduce((a, b) => (b.depth > a.depth ? b : a));
      return verdict(
        share(shallow, 'dense') > 0.5 && share(deep, 'conv') > share(shallow, 'conv'),
        `${t.id}: ${shallow.name} has ${percent(share(shallow, 'dense'))} of its parameters in the dense layer and ${percent(share(shallow, 'conv'))} in convolutions; ${deep.name} ${percent(share(deep, 'conv'))} in convolutions`,
      );
    }),
    /** One task is harder than another: its best median test accuracy is lower. */
    'task-harder': claim((d: TrainOnTasksData, args) => {
      const harder = need(args, 'task', 'task-harder');
      const than = need(args, 'than', 'task-harder');
      const [a, b] = [bestTestAccuracy(d, harder), bestTestAccuracy(d, than)];
      if (a === null || b === null) return unchecked(`${a === null ? harder : than} was not computed (dataset not installed)`);
      return verdict(a < b, `best median test accuracy ${percent(a)} on ${harder}, ${percent(b)} on ${than}`);
    }),
    /** Deepest vs. shallowest CNN on a task, by test accuracy over seeds. */
    'depth-on-task': finding(['deeper-better', 'shallower-better', 'seeds-overlap'], (d: TrainOnTasksData, args) => {
      const id = need(args, 'task', 'depth-on-task');
      const t = taskIn(d, id);
      if (!t || t.missing) return unchecked(`${id} was not computed (dataset not installed)`);
      const { deep, shallow, side } = deepVsShallow(
        summarize(d, id).filter((m) => m.testAccuracy),
        (m) => m.testAccuracy!,
      );
      return found(
        side === 'higher' ? 'deeper-better' : side === 'lower' ? 'shallower-better' : 'seeds-overlap',
        `${id}: test accuracy of ${deep.model} ${percent(deep.testAccuracy!.min)} to ${percent(deep.testAccuracy!.max)} over seeds, of ${shallow.model} ${percent(shallow.testAccuracy!.min)} to ${percent(shallow.testAccuracy!.max)}`,
      );
    }),
  },
});
