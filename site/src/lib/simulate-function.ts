/** Views of the "simulate a function" artifact used by its figures, tables and prose. */
import { simulateFunction, type SimulateFunctionData } from '@hw1/pipeline/stages/simulate-function.schema.ts';
import { simulateFunctionArtifact } from './artifacts.ts';
import { baseNotes as notesOnBase, headFirst, sidesOf, type Side } from './compare.ts';
import { spread, type Spread } from './stats.ts';

export type FunctionResult = SimulateFunctionData['functions'][number];

export function data(): SimulateFunctionData {
  return simulateFunctionArtifact().data;
}

/** Head alone, or base and head in compare mode (./compare.ts). */
export const sides = (): Side<SimulateFunctionData>[] => sidesOf(simulateFunction);

/** Model names over every side, the head's first. */
export const modelNames = (all: readonly Side<SimulateFunctionData>[]): string[] => headFirst(all, (d) => d.models.map((m) => m.name));

/** A function's results in one side's data, if that side fitted it. */
export const functionIn = (d: SimulateFunctionData, id: string): FunctionResult | undefined => d.functions.find((f) => f.id === id);

/** What a figure says when the base is missing in compare mode. */
export const baseNotes = (): string[] => notesOnBase(simulateFunction);

export function functionResult(id: string): FunctionResult {
  const d = data();
  const f = d.functions.find((f) => f.id === id);
  if (!f) throw new Error(`simulate-function: no function "${id}" in the artifact (has ${d.functions.map((f) => f.id).join(', ')}); check the page and content/experiments/simulate-function.yaml`);
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

export function summarize(id: string): ModelSummary[] {
  const d = data();
  return functionResult(id).results.map((r) => {
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
export function ranking(id: string): ModelSummary[] {
  return summarize(id).sort((a, b) => (a.finalLoss?.median ?? Infinity) - (b.finalLoss?.median ?? Infinity));
}

/** One notice per diverged run on a function, shown under its figures instead of a curve. */
export function divergenceNotes(id: string): string[] {
  return functionResult(id).results.flatMap((r) =>
    r.runs.filter((run) => run.diverged).map((run) => `Diverged and not drawn: ${r.model}, seed ${run.seed}, loss ${run.diverged!.value} at epoch ${run.diverged!.epoch}.`),
  );
}
