/**
 * What a stage's view gives for one figure, and what every figure says about
 * the runs it leaves out. Components (StageFigure.astro) only place the parts.
 */

export interface FigureParts {
  /** The figure's anchor on its page. */
  id: string;
  /** Build-time SVG (several panels, a compare-mode key); empty when there is nothing to draw. */
  svg: string;
  caption: string;
  /** Runs left out, a missing base in compare mode: one notice each, under the figure. */
  notes: string[];
}

export interface DivergedRun {
  /** What the run was, e.g. "sinc · deep-6, seed 2". */
  what: string;
  /** Where its loss stopped being a number, e.g. "NaN at epoch 12 (step 96)"; null when it did not diverge. */
  where: string | null;
}

/** One notice per run that diverged: it is reported, never drawn. */
export function divergenceNotes(runs: readonly DivergedRun[]): string[] {
  return runs.filter((r) => r.where !== null).map((r) => `Diverged and not drawn: ${r.what}, ${r.where}.`);
}

/** How long models were trained, for a caption. */
export const trainedFor = (s: { stopAtTrainingAccuracy: number | null; epochs: number }): string =>
  s.stopAtTrainingAccuracy
    ? `until an epoch's running training accuracy reached ${(100 * s.stopAtTrainingAccuracy).toFixed(0)}% (at most ${s.epochs} epochs)`
    : `for ${s.epochs} epochs`;

/** Where a run whose loss stopped being a number stopped, e.g. "loss NaN in epoch 3"; null for a run that did not. */
export const lossIn = (diverged: { epoch: number; value: string } | null): string | null => diverged && `loss ${diverged.value} in epoch ${diverged.epoch}`;
