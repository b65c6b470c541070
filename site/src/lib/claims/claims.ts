/**
 * Claims the prose makes about the results, each a named check on the
 * artifacts. <Claim check="name" …> states one in a page; a check returns
 * whether the data bear it out, with the numbers that decide it, so a
 * contradicted claim is flagged on the page and in the build log
 * (./claims-log.ts), and fails the build under HW1_STRICT=1.
 *
 * A finding is a check whose answer is one of several outcomes ("the deeper
 * network fits better", "the seeds overlap", …): the page gives a sentence
 * for each, <Finding check="name" when="outcome">, and shows the one the data
 * choose. A yes/no check's outcomes are "yes" (it holds) and "no".
 */
import { percent, sci } from '@hw1/pipeline/format';
import { separation } from '@hw1/pipeline/rank-stats';
import { median } from '@hw1/pipeline/stats';
import { facts as interpolationFacts } from '../../stages/flatness-interpolation.ts';
import { data as sensitivityData, facts as sensitivityFacts } from '../../stages/flatness-sensitivity.ts';
import { finishedRuns, data as minimalRatioData, facts as minimalRatioFacts } from '../../stages/minimal-ratio.ts';
import { data as optimizationData, facts as optimizationFacts } from '../../stages/optimization-process.ts';
import { facts as widthFacts } from '../../stages/parameters-vs-generalization.ts';
import { facts as randomLabelsFacts } from '../../stages/random-labels.ts';
import { summarize as fitSummary, data as simulateData } from '../../stages/simulate-function.ts';
import { summarize as taskSummary, data as tasksData } from '../../stages/train-on-tasks.ts';
import { asSideOf, compareMode, NoBase } from '../data/compare.ts';

/** pass: the data bear the claim out; fail: they contradict it; unchecked: the data to decide are missing (e.g. a dataset not installed). */
export type ClaimStatus = 'pass' | 'fail' | 'unchecked';
export interface CheckResult {
  status: ClaimStatus;
  /** The numbers that decided it, for the page and the build log. */
  evidence: string;
  /** A finding's answer, one of the outcomes `findings` lists for its check. */
  outcome?: string;
}
type Args = Record<string, string | undefined>;
type Check = (args: Args) => CheckResult;

const verdict = (pass: boolean, evidence: string): CheckResult => ({ status: pass ? 'pass' : 'fail', evidence });
const unchecked = (evidence: string): CheckResult => ({ status: 'unchecked', evidence });
/** A finding's answer: the data decide which sentence the page shows, so the one shown holds. */
const found = (outcome: string, evidence: string): CheckResult => ({ status: 'pass', evidence, outcome });
/** A rank correlation over n pairs counts as a relation beyond about two standard errors of no relation (1/√(n − 1)). */
const correlationOutcome = (rho: number, n: number, negative: string, positive: string, none: string) => {
  const threshold = 2 / Math.sqrt(n - 1);
  return Number.isNaN(rho) ? none : rho <= -threshold ? negative : rho >= threshold ? positive : none;
};
const rhoText = (rho: number, n: number, what: string) =>
  Number.isNaN(rho)
    ? `no rank correlation over ${n} ${what}: one of the two does not vary`
    : `Spearman's ρ = ${rho.toFixed(2)} over ${n} ${what} (|ρ| ≥ ${(2 / Math.sqrt(n - 1)).toFixed(2)} counts as a relation)`;
const rangeText = (xs: readonly number[], show: (v: number) => string = sci) => `${show(Math.min(...xs))} to ${show(Math.max(...xs))}`;
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

/** The deepest and the shallowest model, and how the deepest's range over seeds lies against the shallowest's (stats.ts separation). */
function deepVsShallow<M extends { depth: number }>(models: readonly M[], spreadOf: (m: M) => { min: number; max: number }) {
  const deep = models.reduce((a, b) => (b.depth > a.depth ? b : a));
  const shallow = models.reduce((a, b) => (b.depth < a.depth ? b : a));
  const range = (m: M) => [spreadOf(m).min, spreadOf(m).max];
  return { deep, shallow, side: separation(range(deep), range(shallow)) };
}

export const checks = {
  // ---- 1-1 simulate a function ----
  /** The fully connected models have nearly the same number of parameters (HOMEWORK.md: within 2%). */
  'fit-models-same-size': () => {
    const counts = simulateData().models.map((m) => m.parameters);
    const gap = sizeGap(counts);
    return verdict(gap <= 0.02, `parameter counts ${counts.join(', ')}: largest ${percent(gap)} above smallest (at most 2.0% allowed)`);
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

  // ---- findings: the data choose the sentence ----
  /** Deepest vs. shallowest fully connected network on a function, by final training loss over seeds. */
  'depth-on-function': (args) => {
    const fn = need(args, 'fn', 'depth-on-function');
    const { deep, shallow, side } = deepVsShallow(
      fitSummary(fn).filter((m) => m.finalLoss),
      (m) => m.finalLoss!,
    );
    return found(
      side === 'lower' ? 'deeper-fits-better' : side === 'higher' ? 'shallower-fits-better' : 'seeds-overlap',
      `${fn}: final loss of ${deep.model} ${sci(deep.finalLoss!.min)} to ${sci(deep.finalLoss!.max)} over seeds, of ${shallow.model} ${sci(shallow.finalLoss!.min)} to ${sci(shallow.finalLoss!.max)}`,
    );
  },
  /** Deepest vs. shallowest CNN on a task, by test accuracy over seeds. */
  'depth-on-task': (args) => {
    const id = need(args, 'task', 'depth-on-task');
    const t = tasksData().tasks.find((x) => x.id === id);
    if (!t || t.missing) return unchecked(`${id} was not computed (dataset not installed)`);
    const { deep, shallow, side } = deepVsShallow(
      taskSummary(id).filter((m) => m.testAccuracy),
      (m) => m.testAccuracy!,
    );
    return found(
      side === 'higher' ? 'deeper-better' : side === 'lower' ? 'shallower-better' : 'seeds-overlap',
      `${id}: test accuracy of ${deep.model} ${percent(deep.testAccuracy!.min)} to ${percent(deep.testAccuracy!.max)} over seeds, of ${shallow.model} ${percent(shallow.testAccuracy!.min)} to ${percent(shallow.testAccuracy!.max)}`,
    );
  },
  /** Whether the lowest loss on the error surface's grid lies at the trained solution (within two grid steps of the plane's origin). */
  'surface-lowest-at-solution': () => {
    const f = optimizationFacts().surface;
    if (!f.computed) return unchecked('every run diverged: no surface');
    return verdict(
      f.lowestStepsAway <= 2,
      `lowest loss on the grid ${sci(f.lowest)}, ${f.lowestStepsAway} grid step${f.lowestStepsAway === 1 ? '' : 's'} from the trained solution (loss ${sci(f.atSolution)} there)`,
    );
  },
  /** The shape of the error surface around the solution: a valley along one direction (the loss rises at least twice as much along the other) or a round bowl. */
  'surface-shape': () => {
    const f = optimizationFacts().surface;
    if (!f.computed) return unchecked('every run diverged: no surface');
    const outcome = f.steepness >= 2 ? 'valley-along-1' : f.steepness <= 0.5 ? 'valley-along-2' : 'round';
    return found(
      outcome,
      `at distance ${f.distance.toPrecision(2)} from the solution the loss rises by ${sci(f.rise1)} along direction 1 and ${sci(f.rise2)} along direction 2 (ratio ${f.steepness.toPrecision(3)}; 2 or more either way counts as a valley)`,
    );
  },
  /** What the near-zero-gradient points are: mostly saddles (an eigenvalue below −tolerance in more than half), mostly minima, or neither. */
  'critical-point-kind': () => {
    const f = minimalRatioFacts();
    const minima = f.finished - f.saddles;
    const outcome = f.saddles > f.finished / 2 ? 'mostly-saddles' : minima > f.finished / 2 ? 'mostly-minima' : 'even';
    return found(
      outcome,
      `${f.saddles} of ${f.finished} points have an eigenvalue below −${minimalRatioData().setup.eigenvalueTolerance}; ${minima} have none`,
    );
  },
  /** Figure H's trend: the rank correlation of minimal ratio and loss over the points. */
  'ratio-vs-loss': () => {
    const f = minimalRatioFacts();
    const rho = f.ratioLossCorrelation;
    return found(correlationOutcome(rho, f.finished, 'higher-ratio-lower-loss', 'higher-ratio-higher-loss', 'no-relation'), rhoText(rho, f.finished, 'points'));
  },
  /** Zhang et al. (2017): random labels are memorised, only more slowly than true ones. Reaching 99% training accuracy, shuffled vs. true labels. */
  'random-labels-slower': () => {
    const f = randomLabelsFacts();
    if (Number.isNaN(f.epochsTo99)) return found('not-memorised', `shuffled labels: 99% training accuracy not reached in ${f.epochs} epochs`);
    if (Number.isNaN(f.trueEpochsTo99)) return unchecked('the true labels never reached 99% training accuracy, or were not trained');
    return found(
      f.epochsTo99 > f.trueEpochsTo99 ? 'slower' : 'not-slower',
      `99% training accuracy in epoch ${f.epochsTo99} on shuffled labels, ${f.trueEpochsTo99} on true labels (median over seeds)`,
    );
  },
  /** Whether width helps the test loss: lowest at the widest model, levelling off (the widest model's seeds overlap the best's), or rising again beyond the seeds. */
  'width-test-loss': () => {
    const f = widthFacts();
    const widest = f.testLosses.at(-1)!;
    const outcome = f.lowestTestLoss === f.largest ? 'lowest-at-widest' : separation(widest, f.bestTestLosses) === 'higher' ? 'rises-again' : 'levels-off';
    return found(
      outcome,
      `median test loss lowest at width ${f.lowestTestLoss.width} (${rangeText(f.bestTestLosses)} over seeds); widest (${f.largest.width}): ${rangeText(widest)}; narrowest width whose seeds overlap the best's: ${f.plateau.width}`,
    );
  },
  /** Keskar et al. (2017): the largest batch's sharpness vs. the smallest's, over seeds. */
  'batch-sharpness': () => {
    const d = sensitivityData();
    const runs = (m: (typeof d.models)[number]) => m.runs.filter((r) => !r.diverged).map((r) => r.sharpness!.value);
    const [small, large] = [d.models[0]!, d.models.at(-1)!];
    const side = separation(runs(large), runs(small));
    return found(
      side === 'higher' ? 'larger-sharper' : side === 'lower' ? 'larger-flatter' : 'seeds-overlap',
      `largest Hessian eigenvalue ${rangeText(runs(small), (v) => v.toPrecision(3))} at batch ${small.batchSize}, ${rangeText(runs(large), (v) => v.toPrecision(3))} at batch ${large.batchSize}`,
    );
  },
  /** Keskar et al. (2017): the largest batch's test accuracy or test loss (metric="accuracy" | "loss") vs. the smallest's, over seeds. */
  'batch-generalization': (args) => {
    const metric = need(args, 'metric', 'batch-generalization');
    if (metric !== 'accuracy' && metric !== 'loss') throw new Error(`claim check "batch-generalization": metric="${metric}" must be "accuracy" or "loss"`);
    const d = sensitivityData();
    const runs = (m: (typeof d.models)[number]) => m.runs.filter((r) => !r.diverged).map((r) => r.test![metric]);
    const [small, large] = [d.models[0]!, d.models.at(-1)!];
    const side = separation(runs(large), runs(small));
    // Higher accuracy is better; lower loss is.
    const better = metric === 'accuracy' ? 'higher' : 'lower';
    const show = metric === 'accuracy' ? (v: number) => percent(v) : (v: number) => v.toPrecision(3);
    return found(
      side === 'overlap' ? 'seeds-overlap' : side === better ? 'larger-better' : 'larger-worse',
      `test ${metric} ${rangeText(runs(small), show)} at batch ${small.batchSize}, ${rangeText(runs(large), show)} at batch ${large.batchSize}`,
    );
  },
  /** Novak et al. (2018): across runs, less sensitive models generalize better; rank correlation of sensitivity and the generalization gap (training minus test accuracy). */
  'sensitivity-vs-gap': () => {
    const f = sensitivityFacts();
    const rho = f.sensitivityGapCorrelation;
    return found(correlationOutcome(rho, f.runs, 'more-sensitive-smaller-gap', 'more-sensitive-larger-gap', 'no-relation'), rhoText(rho, f.runs, 'runs'));
  },
} satisfies Record<string, Check>;

/** The outcomes of each finding (a yes/no check's are "yes" and "no"): a page's <Finding when="…"> must name one. */
export const findings: Partial<Record<keyof typeof checks, readonly string[]>> = {
  'depth-on-function': ['deeper-fits-better', 'shallower-fits-better', 'seeds-overlap'],
  'depth-on-task': ['deeper-better', 'shallower-better', 'seeds-overlap'],
  'surface-shape': ['valley-along-1', 'valley-along-2', 'round'],
  'critical-point-kind': ['mostly-saddles', 'mostly-minima', 'even'],
  'ratio-vs-loss': ['higher-ratio-lower-loss', 'higher-ratio-higher-loss', 'no-relation'],
  'random-labels-slower': ['slower', 'not-slower', 'not-memorised'],
  'width-test-loss': ['lowest-at-widest', 'levels-off', 'rises-again'],
  'batch-sharpness': ['larger-sharper', 'larger-flatter', 'seeds-overlap'],
  'batch-generalization': ['larger-worse', 'larger-better', 'seeds-overlap'],
  'sensitivity-vs-gap': ['more-sensitive-larger-gap', 'more-sensitive-smaller-gap', 'no-relation'],
};

/** A check's outcome: a finding's own, or "yes"/"no" from a yes/no check (null when the data to decide are missing). */
export function outcomeOf(result: CheckResult): string | null {
  if (result.status === 'unchecked') return null;
  return result.outcome ?? (result.status === 'pass' ? 'yes' : 'no');
}

/** The outcomes a page may name for a check. */
export const outcomesOf = (name: string): readonly string[] => findings[name as keyof typeof checks] ?? ['yes', 'no'];

export type CheckName = keyof typeof checks;

/** Runs a named check; an unknown name is a mistake in the page and stops the build. */
export function runCheck(name: string, args: Args = {}): CheckResult {
  const check = (checks as Record<string, Check>)[name];
  if (!check) throw new Error(`<Claim check="${name}">: no such check; the checks are in site/src/lib/claims/claims.ts (${Object.keys(checks).join(', ')})`);
  const result = check(args);
  // A finding's outcome must be one its pages can name; another would leave every one of its sentences hidden.
  const outcome = outcomeOf(result);
  if (outcome !== null && !outcomesOf(name).includes(outcome))
    throw new Error(
      `claim check "${name}" answered "${outcome}", which \`findings\` in site/src/lib/claims/claims.ts does not list (${outcomesOf(name).join(', ')})`,
    );
  return result;
}

/** A check's verdict on the base's artifacts, in a compare build (null in a normal one): "absent" when the base has no data for it. */
export function baseResult(name: string, args: Args = {}): { status: ClaimStatus | 'absent'; outcome: string | null; evidence: string } | null {
  if (!compareMode()) return null;
  try {
    const r = asSideOf('base', () => runCheck(name, args));
    return { status: r.status, outcome: outcomeOf(r), evidence: r.evidence };
  } catch (err) {
    if (err instanceof NoBase) return { status: 'absent', outcome: null, evidence: err.message };
    throw err;
  }
}
