/** Views of the "minimal ratio" artifact used by its figure, setup and prose. */
import { minimalRatioStage, type MinimalRatioData, type MinimalRatioRun } from '@hw1/pipeline/stages/minimal-ratio.schema.ts';
import { minimalRatioArtifact } from './artifacts.ts';
import { baseNotes as notesOnBase, sidesOf, type Side } from './compare.ts';
import { median } from './stats.ts';


export function data(): MinimalRatioData {
  return minimalRatioArtifact().data;
}

/** Head alone, or base and head in compare mode (./compare.ts). */
export const sides = (): Side<MinimalRatioData>[] => sidesOf(minimalRatioStage);

/** What a figure says when the base is missing in compare mode. */
export const baseNotes = (): string[] => notesOnBase(minimalRatioStage);

/** Runs with a result (not diverged). */
export function finishedRuns(): MinimalRatioRun[] {
  return data().runs.filter((r) => r.diverged === null);
}

export function divergenceNotes(): string[] {
  return data().runs.filter((r) => r.diverged).map((r) => `Diverged and not drawn: run ${r.run} (seed ${r.seed}), ${r.diverged!.value} in ${r.diverged!.phase} at step ${r.diverged!.step}.`);
}

/** What the page quotes about the runs. */
export function ratioFacts() {
  const runs = finishedRuns();
  const ratios = runs.map((r) => r.minimalRatio!);
  return {
    runs: data().runs.length,
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
    medianNegative: median(runs.map((r) => r.eigenvalues!.filter((e) => e < -data().setup.eigenvalueTolerance).length)),
  };
}
export type RatioFact = keyof ReturnType<typeof ratioFacts>;

/** Phase 2's stopping reasons as the figure's legend names them. */
export const stopLabels: Record<MinimalRatioRun['stop'], string> = {
  threshold: 'reached the gradient threshold',
  'step-limit': 'stopped at the step limit',
  stalled: 'stalled (no step lowered ‖∇L‖)',
  diverged: 'diverged',
};
