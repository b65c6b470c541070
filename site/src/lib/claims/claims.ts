/**
 * Claims the prose makes about the results, each a named check on the
 * artifacts. <Claim check="name" …> states one in a page; a check returns
 * whether the data bear it out, with the numbers that decide it, so a
 * contradicted claim is flagged on the page and in the build log
 * (./claims-log.ts), and fails the build under HW1_STRICT=1.
 */
import { percent, sci } from '@hw1/pipeline/format';
import { median } from '@hw1/pipeline/stats';
import { facts as interpolationFacts } from '../../stages/flatness-interpolation.ts';
import { data as sensitivityData } from '../../stages/flatness-sensitivity.ts';
import { finishedRuns, data as minimalRatioData } from '../../stages/minimal-ratio.ts';
import { data as optimizationData } from '../../stages/optimization-process.ts';
import { facts as randomLabelsFacts } from '../../stages/random-labels.ts';
import { summarize as fitSummary, data as simulateData } from '../../stages/simulate-function.ts';
import { summarize as taskSummary, data as tasksData } from '../../stages/train-on-tasks.ts';

/** pass: the data bear the claim out; fail: they contradict it; unchecked: the data to decide are missing (e.g. a dataset not installed). */
export type ClaimStatus = 'pass' | 'fail' | 'unchecked';
export interface CheckResult {
  status: ClaimStatus;
  /** The numbers that decided it, for the page and the build log. */
  evidence: string;
}
type Args = Record<string, string | undefined>;
type Check = (args: Args) => CheckResult;

const verdict = (pass: boolean, evidence: string): CheckResult => ({ status: pass ? 'pass' : 'fail', evidence });
const unchecked = (evidence: string): CheckResult => ({ status: 'unchecked', evidence });
const need = (args: Args, key: string, check: string): string => {
  const v = args[key];
  if (!v) throw new Error(`claim check "${check}" needs the attribute ${key}="…"`);
  return v;
};
/** Largest over smallest minus one, as a percentage: how far apart a set of parameter counts is. */
const sizeGap = (counts: readonly number[]) => Math.max(...counts) / Math.min(...counts) - 1;
/** First over last tenth of a series, by median: how many times it fell over the run. */
const fallFactor = (xs: readonly number[]) => {
  const n = Math.max(1, Math.floor(xs.length / 10));
  return median(xs.slice(0, n)) / median(xs.slice(-n));
};

/** Whether the best and the worst model on a function (by median final loss) have overlapping ranges over seeds. */
function bestWorstOverlap(fn: string): { overlap: boolean; evidence: string } {
  const s = fitSummary(fn)
    .filter((m) => m.finalLoss)
    .sort((a, b) => a.finalLoss!.median - b.finalLoss!.median);
  const best = s[0]!;
  const worst = s.at(-1)!;
  return {
    overlap: best.finalLoss!.max >= worst.finalLoss!.min,
    evidence: `${fn}: best ${best.model} ${sci(best.finalLoss!.min)} to ${sci(best.finalLoss!.max)}, worst ${worst.model} ${sci(worst.finalLoss!.min)} to ${sci(worst.finalLoss!.max)}`,
  };
}

export const checks = {
  // ---- 1-1 simulate a function ----
  /** The fully connected models have nearly the same number of parameters (HOMEWORK.md: within 2%). */
  'fit-models-same-size': () => {
    const counts = simulateData().models.map((m) => m.parameters);
    const gap = sizeGap(counts);
    return verdict(gap <= 0.02, `parameter counts ${counts.join(', ')}: largest ${percent(gap)} above smallest (at most 2.0% allowed)`);
  },
  /** On a function, the deepest model ends with a lower loss than the shallowest, beyond the seeds' spread (its worst seed beats the shallow model's best). */
  'deepest-beats-shallowest': (args) => {
    const fn = need(args, 'fn', 'deepest-beats-shallowest');
    const s = fitSummary(fn).filter((m) => m.finalLoss);
    const deep = s.reduce((a, b) => (b.depth > a.depth ? b : a));
    const shallow = s.reduce((a, b) => (b.depth < a.depth ? b : a));
    return verdict(
      deep.finalLoss!.max < shallow.finalLoss!.min,
      `${fn}: final loss of ${deep.model} ${sci(deep.finalLoss!.min)} to ${sci(deep.finalLoss!.max)} over seeds, of ${shallow.model} ${sci(shallow.finalLoss!.min)} to ${sci(shallow.finalLoss!.max)}`,
    );
  },
  /** On a function, the seeds do not separate the best model from the worst: their ranges of final loss overlap. */
  'fit-ranking-within-seeds': (args) => {
    const { overlap, evidence } = bestWorstOverlap(need(args, 'fn', 'fit-ranking-within-seeds'));
    return verdict(overlap, evidence);
  },

  // ---- 1-1 train on actual tasks ----
  /** On every installed task, the CNNs' parameter counts are within 10% of each other. */
  'cnn-models-same-size': () => {
    const gaps = tasksData().tasks.map((t) => ({ task: t.id, counts: t.models.map((m) => m.parameters), gap: sizeGap(t.models.map((m) => m.parameters)) }));
    return verdict(
      gaps.every((g) => g.gap <= 0.1),
      gaps.map((g) => `${g.task}: ${g.counts.join(', ')} (largest ${percent(g.gap)} above smallest)`).join('; '),
    );
  },
  /** The shallowest CNN holds most of its parameters in the final dense layer; the deepest holds a larger share in convolutions. */
  'cnn-parameter-split': () => {
    const t = tasksData().tasks[0]!;
    const share = (m: (typeof t.models)[number], kind: 'dense' | 'conv') =>
      m.layers.filter((l) => l.kind.startsWith(kind)).reduce((s, l) => s + l.parameters, 0) / m.parameters;
    const shallow = t.models.reduce((a, b) => (b.depth < a.depth ? b : a));
    const deep = t.models.reduce((a, b) => (b.depth > a.depth ? b : a));
    return verdict(
      share(shallow, 'dense') > 0.5 && share(deep, 'conv') > share(shallow, 'conv'),
      `${t.id}: ${shallow.name} has ${percent(share(shallow, 'dense'))} of its parameters in the dense layer and ${percent(share(shallow, 'conv'))} in convolutions; ${deep.name} ${percent(share(deep, 'conv'))} in convolutions`,
    );
  },
  /** One task is harder than another: its best median test accuracy is lower. */
  'task-harder': (args) => {
    const harder = need(args, 'task', 'task-harder');
    const than = need(args, 'than', 'task-harder');
    const best = (id: string) => {
      const t = tasksData().tasks.find((x) => x.id === id);
      if (!t || t.missing) return null;
      return Math.max(...taskSummary(id).flatMap((s) => (s.testAccuracy ? [s.testAccuracy.median] : [])));
    };
    const [a, b] = [best(harder), best(than)];
    if (a === null || b === null) return unchecked(`${a === null ? harder : than} was not computed (dataset not installed)`);
    return verdict(a < b, `best median test accuracy ${percent(a)} on ${harder}, ${percent(b)} on ${than}`);
  },

  // ---- 1-2 optimization ----
  /** Two principal components leave part of the snapshots' variance out, for the layer and for the whole model. */
  'pca-partial-variance': () => {
    const { pca } = optimizationData();
    const kept = (['layer', 'model'] as const).map((s) => ({ s, v: pca[s] ? pca[s]![0] + pca[s]![1] : NaN }));
    if (kept.some((k) => Number.isNaN(k.v))) return unchecked('every run diverged: no PCA');
    return verdict(
      kept.every((k) => k.v < 0.999),
      kept.map((k) => `${k.s}: PC1 + PC2 explain ${percent(k.v)}`).join('; '),
    );
  },
  /** Over a run, the loss falls by a larger factor than the gradient norm (first tenth of the steps vs. the last, median over runs). */
  'loss-falls-faster-than-gradient-norm': () => {
    const runs = optimizationData().runs.filter((r) => !r.diverged && r.iterations.loss.length >= 10);
    if (runs.length === 0) return unchecked('no finished run');
    const loss = median(runs.map((r) => fallFactor(r.iterations.loss)));
    const norm = median(runs.map((r) => fallFactor(r.iterations.gradientNorm)));
    return verdict(
      loss > norm,
      `from the first tenth of the steps to the last (median over ${runs.length} runs), the loss falls ${loss.toFixed(1)}-fold, the gradient norm ${norm.toFixed(1)}-fold`,
    );
  },
  /** Every run's minimal ratio is the fraction of its Hessian's eigenvalues above the tolerance (the homework's definition). */
  'minimal-ratio-definition': () => {
    const tol = minimalRatioData().setup.eigenvalueTolerance;
    const runs = finishedRuns();
    const wrong = runs.filter((r) => Math.abs(r.eigenvalues!.filter((e) => e > tol).length / r.eigenvalues!.length - r.minimalRatio!) > 1e-12);
    return verdict(
      runs.length > 0 && wrong.length === 0,
      `${runs.length - wrong.length} of ${runs.length} runs: minimal ratio = (eigenvalues > ${tol}) / ${runs[0]?.eigenvalues?.length ?? 0}`,
    );
  },
  /** Most of the near-zero-gradient points reached are saddle points: more than half the runs have an eigenvalue below −tolerance. */
  'critical-points-mostly-saddles': () => {
    const tol = minimalRatioData().setup.eigenvalueTolerance;
    const runs = finishedRuns();
    const saddles = runs.filter((r) => r.eigenvalues!.some((e) => e < -tol)).length;
    return verdict(saddles > runs.length / 2, `${saddles} of ${runs.length} runs have an eigenvalue below −${tol}`);
  },

  // ---- 1-3 generalization ----
  /** On shuffled labels the network reaches at least 95% training accuracy (median over seeds). */
  'random-labels-memorised': () => {
    const f = randomLabelsFacts();
    return verdict(f.randomTrainAccuracy >= 0.95, `training accuracy on shuffled labels ${percent(f.randomTrainAccuracy)} (at least 95.0% needed)`);
  },
  /** On shuffled labels the test accuracy stays within 5 points of what guessing scores (the larger of chance and the majority class). */
  'random-labels-test-at-chance': () => {
    const f = randomLabelsFacts();
    const guess = Math.max(0.1, f.majorityClassShare);
    return verdict(f.randomTestAccuracy <= guess + 0.05, `test accuracy ${percent(f.randomTestAccuracy)}; guessing scores ${percent(guess)}`);
  },
  /** On shuffled labels the test loss ends above where it started. */
  'random-labels-test-loss-grows': () => {
    const f = randomLabelsFacts();
    return verdict(
      f.randomTestLoss > f.initialTestLoss,
      `test loss ${f.initialTestLoss.toPrecision(3)} at initialisation, ${f.randomTestLoss.toPrecision(3)} at the end`,
    );
  },
  /** The true labels' test accuracy is at least 30 points above the shuffled labels'. */
  'true-labels-generalize': () => {
    const f = randomLabelsFacts();
    return verdict(
      f.trueTestAccuracy - f.randomTestAccuracy >= 0.3,
      `test accuracy ${percent(f.trueTestAccuracy)} with true labels, ${percent(f.randomTestAccuracy)} with shuffled ones`,
    );
  },
  /** The two interpolated models fit the training set equally well: training accuracy at α = 0 and α = 1 within 3 points. */
  'interpolation-equal-fit': () => {
    const f = interpolationFacts();
    const gap = Math.abs(f.first.trainAccuracy - f.second.trainAccuracy);
    return verdict(
      gap <= 0.03,
      `training accuracy ${percent(f.first.trainAccuracy)} (${f.first.name}) and ${percent(f.second.trainAccuracy)} (${f.second.name}), ${(100 * gap).toFixed(1)} points apart (at most 3 allowed)`,
    );
  },
  /** Beyond each end of the segment, at the same distance, the training loss is higher than at that end. */
  'interpolation-climbs-past-ends': () => {
    const f = interpolationFacts();
    return verdict(
      f.outside.first > f.first.trainLoss && f.outside.second > f.second.trainLoss,
      `training loss ${f.first.trainLoss.toPrecision(3)} at α = 0 and ${f.outside.first.toPrecision(3)} at α = ${-f.outside.distance}; ${f.second.trainLoss.toPrecision(3)} at α = 1 and ${f.outside.second.toPrecision(3)} at α = ${1 + f.outside.distance}`,
    );
  },
  /** Every batch size's runs end at about the same training accuracy: all within 3 points. */
  'sensitivity-equal-fit': () => {
    const d = sensitivityData();
    const acc = d.models.flatMap((m) => m.runs.filter((r) => !r.diverged).map((r) => r.train!.accuracy));
    const gap = Math.max(...acc) - Math.min(...acc);
    return verdict(
      gap <= 0.03,
      `final training accuracy ${percent(Math.min(...acc))} to ${percent(Math.max(...acc))} over ${acc.length} runs, ${(100 * gap).toFixed(1)} points apart (at most 3 allowed)`,
    );
  },
} satisfies Record<string, Check>;

export type CheckName = keyof typeof checks;

/** Runs a named check; an unknown name is a mistake in the page and stops the build. */
export function runCheck(name: string, args: Args = {}): CheckResult {
  const check = (checks as Record<string, Check>)[name];
  if (!check) throw new Error(`<Claim check="${name}">: no such check; the checks are in site/src/lib/claims/claims.ts (${Object.keys(checks).join(', ')})`);
  return check(args);
}
