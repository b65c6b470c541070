/**
 * 1-2 Optimization, "What happens when the gradient is almost zero": train a
 * small MLP on the loss (phase 1), then drive its gradient to zero by
 * minimizing the squared gradient norm (phase 2), and count the positive
 * eigenvalues of the exact Hessian there (the minimal ratio). Many runs.
 */
import * as tf from '@tensorflow/tfjs';
import { findCriticalPoint, type Objective } from '../../analysis/critical-point.ts';
import { minimalRatio, symmetricEigenvalues } from '../../analysis/eigen.ts';
import { mlpObjective64 } from '../../analysis/mlp-float64.ts';
import { norm } from '../../analysis/vector.ts';
import { type Divergence, firstNonFinite } from '../../core/divergence.ts';
import { createRng, deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { median } from '../../core/stats.ts';
import { targets } from '../../data/targets.ts';
import { initMlp } from '../../nn/mlp.ts';
import { layerSizes, type MlpSpec, parameterCount } from '../../nn/mlp-shape.ts';
import { flatValues } from '../../nn/params.ts';
import { ensembleProgress, trainRegressionEnsemble } from '../../train/ensemble.ts';
import { type MinimalRatioConfig, type MinimalRatioData, type MinimalRatioRun, runSeeds } from './spec.ts';

export { spec } from './spec.ts';

/** One run of the stage. */
interface Member {
  run: number;
  seed: number;
}

/** Runs whose phase 1 is trained together as one batched model; phase 2 then takes them one by one. */
interface Job {
  members: Member[];
}

/**
 * Runs per ensemble: a fixed number, so which runs share an ensemble depends
 * on the config alone (a run's numbers do not depend on its companions on
 * wasm, tested, but a backend is free to round a batched product differently).
 */
export const runsPerEnsemble = 10;

const mlpSpec = (config: MinimalRatioConfig): MlpSpec => ({ inputs: 1, outputs: 1, hidden: config.hidden, activation: config.activation });

/** The training sample, shared by every run so that all of them explore the same loss surface. */
function trainingData(config: MinimalRatioConfig): { xs: number[]; ys: number[] } {
  const rng = createRng(deriveSeed(config.baseSeed, 'data'));
  const xs = Array.from({ length: config.trainingPoints }, () => rng.next());
  return { xs, ys: xs.map(targets[config.target].f) };
}

/** Phase 1 of every member at once (float32 Adam: one fused native call per step, or tfjs); the parameters each ends at, as float64. */
function phase1(config: MinimalRatioConfig, members: readonly Member[], xs: number[], ys: number[], report: (step: number, metric: string) => void) {
  const r = members.length;
  const x = tf.tensor3d(
    members.flatMap(() => xs),
    [r, 1, xs.length],
  );
  const y = tf.tensor3d(
    members.flatMap(() => ys),
    [r, 1, ys.length],
  );
  const initial = members.map((m) => initMlp(mlpSpec(config), createRng(m.seed)));
  try {
    const results = trainRegressionEnsemble(mlpSpec(config), initial, x, y, {
      epochs: config.phase1.epochs,
      learningRate: config.phase1.learningRate,
      onEpoch: (epoch, losses) => report(epoch, `phase 1, ${r} runs at once, ${ensembleProgress(losses)}`),
    });
    return results.map((result) => {
      const theta = Float64Array.from(flatValues(result.params));
      tf.dispose(result.params);
      return { theta, diverged: result.diverged };
    });
  } finally {
    tf.dispose([x, y, ...initial.flat()]);
  }
}

/** Every member of the job: phase 1 together, then each member's phase 2 and the Hessian's eigenvalues at the point reached. */
export function runOne(config: MinimalRatioConfig, job: Job, report: (step: number, metric: string) => void): MinimalRatioRun[] {
  const { xs, ys } = trainingData(config);
  const objective = mlpObjective64(mlpSpec(config), xs, ys);
  const starts = phase1(config, job.members, xs, ys, report);
  const epochs = config.phase1.epochs;
  return job.members.map((member, k) => {
    const offset = epochs + k * config.phase2.maxSteps;
    return finish(config, objective, member, starts[k]!, (step, metric) => report(offset + step, `run ${member.run}: ${metric}`));
  });
}

/** One run after phase 1: phase 2, then the Hessian's eigenvalues at the point reached. */
function finish(
  config: MinimalRatioConfig,
  objective: Objective,
  job: Member,
  start: { theta: Float64Array; diverged: Divergence | null },
  report: (step: number, metric: string) => void,
): MinimalRatioRun {
  const empty = {
    phase2Steps: 0,
    phase2AcceptedSteps: 0,
    loss: null,
    gradientNorm: null,
    minimalRatio: null,
    minEigenvalue: null,
    maxEigenvalue: null,
    eigenvalues: null,
  };
  const base = { run: job.run, seed: job.seed };

  const phase1Loss = objective.loss(start.theta);
  const phase1GradientNorm = norm(objective.gradient(start.theta));
  const phase1Bad = firstNonFinite([phase1Loss, phase1GradientNorm]);
  if (start.diverged || phase1Bad) {
    const diverged = start.diverged ?? { epoch: config.phase1.epochs, value: phase1Bad! };
    return {
      ...base,
      ...empty,
      diverged: { phase: 'phase 1', step: diverged.epoch, value: diverged.value },
      phase1Loss: null,
      phase1GradientNorm: null,
      stop: 'diverged',
    };
  }

  const search = findCriticalPoint(objective, start.theta, {
    ...config.phase2,
    onStep: (step, gradientNorm) => report(step, `phase 2 ‖∇L‖ ${gradientNorm.toExponential(2)}`),
  });
  const phase2 = { phase1Loss, phase1GradientNorm, phase2Steps: search.steps, phase2AcceptedSteps: search.acceptedSteps, stop: search.stop };
  const h = search.nonFinite ? null : objective.hessian(search.theta);
  const loss = objective.loss(search.theta);
  const value = h ? (firstNonFinite(h) ?? firstNonFinite([loss])) : null;
  const bad = search.nonFinite ?? (value ? { step: search.steps, value } : null);
  if (bad || !h) {
    return { ...base, ...empty, ...phase2, stop: 'diverged', diverged: { phase: 'phase 2', step: bad?.step ?? search.steps, value: bad?.value ?? 'NaN' } };
  }
  const eigenvalues = symmetricEigenvalues(h, objective.size);
  return {
    ...base,
    ...phase2,
    diverged: null,
    loss,
    gradientNorm: search.gradientNorm,
    minimalRatio: minimalRatio(eigenvalues, config.eigenvalueTolerance),
    minEigenvalue: eigenvalues[0]!,
    maxEigenvalue: eigenvalues[eigenvalues.length - 1]!,
    eigenvalues,
  };
}

function summary(runs: MinimalRatioRun[]): string {
  const reached = runs.filter((r) => r.stop === 'threshold').length;
  const diverged = runs.filter((r) => r.diverged).length;
  const ratios = runs.flatMap((r) => (r.minimalRatio === null ? [] : [r.minimalRatio]));
  const range = ratios.length
    ? `, minimal ratio ${Math.min(...ratios).toFixed(3)} to ${Math.max(...ratios).toFixed(3)} (median ${median(ratios).toFixed(3)})`
    : '';
  return `${reached} of ${runs.length} runs reached the gradient threshold${range}${diverged ? `, ${diverged} DIVERGED` : ''}`;
}

export async function run(config: MinimalRatioConfig, ctx: StageContext): Promise<MinimalRatioData> {
  const members: Member[] = runSeeds(config).map((seed, i) => ({
    run: i + 1,
    seed,
  }));
  const jobs: Job[] = [];
  for (let i = 0; i < members.length; i += runsPerEnsemble) jobs.push({ members: members.slice(i, i + runsPerEnsemble) });
  const label = (j: Job) => `runs ${j.members[0]!.run}–${j.members.at(-1)!.run}`;
  const steps = (j: Job) => config.phase1.epochs + j.members.length * config.phase2.maxSteps;
  const stepsDone = (runs: MinimalRatioRun[]) => config.phase1.epochs + runs.reduce((s, r) => s + r.phase2Steps, 0);
  const ensembles = await ctx.runJobs(config, jobs, (j) => ({ label: label(j), steps: steps(j) }), { unit: 'step', summary, stepsDone, noun: 'ensemble' });
  const runs = ensembles.flat();
  for (const r of runs) {
    if (r.diverged) ctx.log.warn(`run ${r.run} diverged in ${r.diverged.phase} at step ${r.diverged.step}; it is reported, not drawn`);
  }
  const reached = runs.filter((r) => r.stop === 'threshold').length;
  ctx.log.info(`${reached} of ${runs.length} runs reached ‖∇L‖ < ${config.phase2.gradientThreshold}`);
  const model = mlpSpec(config);
  return {
    setup: {
      target: config.target,
      targetLabel: targets[config.target].label,
      activation: config.activation,
      layers: layerSizes(model),
      parameters: parameterCount(model),
      trainingPoints: config.trainingPoints,
      loss: 'mean squared error',
      phase1: { optimizer: 'Adam (full batch)', learningRate: config.phase1.learningRate, epochs: config.phase1.epochs },
      phase2: { method: 'Levenberg–Marquardt (Gauss–Newton) on the squared gradient norm ‖∇L‖², exact Hessian, float64', ...config.phase2 },
      hessian: 'exact, forward mode over reverse mode in float64',
      eigenvalueTolerance: config.eigenvalueTolerance,
      runs: config.runs,
      baseSeed: config.baseSeed,
    },
    runs,
  };
}
