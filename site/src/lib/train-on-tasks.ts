/** Views of the "train on actual tasks" artifact used by its figures, tables and prose. */
import { trainOnTasks, type TrainOnTasksData } from '@hw1/pipeline/stages/train-on-tasks.schema.ts';
import { trainOnTasksArtifact } from './artifacts.ts';
import { baseNotes as notesOnBase, sidesOf, type Side } from './compare.ts';
import { spread, type Spread } from './stats.ts';

export type TaskResult = TrainOnTasksData['tasks'][number];

export function data(): TrainOnTasksData {
  return trainOnTasksArtifact().data;
}

/** Head alone, or base and head in compare mode (./compare.ts). */
export const sides = (): Side<TrainOnTasksData>[] => sidesOf(trainOnTasks);

/** A task in one side's data, if that side has it. */
export const taskIn = (d: TrainOnTasksData, id: string): TaskResult | undefined => d.tasks.find((t) => t.id === id);

/** What a figure says when the base is missing in compare mode. */
export const baseNotes = (): string[] => notesOnBase(trainOnTasks);

export function task(id: string): TaskResult {
  const t = data().tasks.find((t) => t.id === id);
  if (!t) throw new Error(`train-on-tasks: no task "${id}" in the artifact (has ${data().tasks.map((t) => t.id).join(', ')}); check the page and content/experiments/train-on-tasks.yaml`);
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

/** One notice per diverged run on a task, shown under its figures instead of a curve. */
export function divergenceNotes(id: string): string[] {
  return task(id).models.flatMap((m) =>
    m.runs.filter((r) => r.diverged).map((r) => `Diverged and not drawn: ${m.name}, seed ${r.seed}, loss ${r.diverged!.value} in epoch ${r.diverged!.epoch}.`),
  );
}
