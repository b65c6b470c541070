/**
 * 1-2 Optimization, "What happens when the gradient is almost zero": train a
 * small MLP on the loss (phase 1), then drive its gradient to zero by
 * minimizing the squared gradient norm (phase 2), and count the positive
 * eigenvalues of the exact Hessian there (the minimal ratio). Many runs.
 */
import * as tf from '@tensorflow/tfjs';
import { findCriticalPoint } from '../../analysis/critical-point.ts';
import { minimalRatio, symmetricEigenvalues } from '../../analysis/eigen.ts';
import { mlpObjective64 } from '../../analysis/mlp-float64.ts';
import { norm } from '../../analysis/vector.ts';
import { firstNonFinite } from '../../core/divergence.ts';
import { createRng, deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { targets } from '../../data/targets.ts';
import { initMlp, mlp } from '../../nn/mlp.ts';
import { layerSizes, type MlpSpec, parameterCount } from '../../nn/mlp-shape.ts';
import { flattenParams } from '../../nn/params.ts';
import { trainRegression } from '../../train/regression.ts';
import type { MinimalRatioConfig, MinimalRatioData, MinimalRatioRun } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  run: number;
  seed: number;
}

const mlpSpec = (config: MinimalRatioConfig): MlpSpec => ({ inputs: 1, outputs: 1, hidden: config.hidden, activation: config.activation });

/** The training sample, shared by every run so that all of them explore the same loss surface. */
function trainingData(config: MinimalRatioConfig): { xs: number[]; ys: number[] } {
  const rng = createRng(deriveSeed(config.baseSeed, 'data'));
  const xs = Array.from({ length: config.trainingPoints }, () => rng.next());
  return { xs, ys: xs.map(targets[config.target].f) };
}

/** Phase 1 with tfjs (float32 Adam); the parameters it ends at, as float64. */
function phase1(config: MinimalRatioConfig, seed: number, xs: number[], ys: number[], report: (step: number, metric: string) => void) {
  const x = tf.tensor2d(xs, [xs.length, 1]);
  const y = tf.tensor2d(ys, [ys.length, 1]);
  const initial = initMlp(mlpSpec(config), createRng(seed));
  try {
    const result = trainRegression((p, input) => mlp(p, input, config.activation), initial, x, y, {
      epochs: config.phase1.epochs,
      learningRate: config.phase1.learningRate,
      onEpoch: (epoch, loss) => report(epoch, `phase 1 loss ${loss.toExponential(2)}`),
    });
    const flat = flattenParams(result.params);
    const theta = Float64Array.from(flat.dataSync());
    tf.dispose([flat, ...result.params]);
    return { theta, diverged: result.diverged };
  } finally {
    tf.dispose([x, y, ...initial]);
  }
}

/** One run: phase 1, phase 2, then the Hessian's eigenvalues at the point reached. */
export function runOne(config: MinimalRatioConfig, job: Job, report: (step: number, metric: string) => void): MinimalRatioRun {
  const { xs, ys } = trainingData(config);
  const objective = mlpObjective64(mlpSpec(config), xs, ys);
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

  const start = phase1(config, job.seed, xs, ys, report);
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

  const epochs = config.phase1.epochs;
  const search = findCriticalPoint(objective, start.theta, {
    ...config.phase2,
    onStep: (step, gradientNorm) => report(epochs + step, `phase 2 ‖∇L‖ ${gradientNorm.toExponential(2)}`),
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

function summary(run: MinimalRatioRun): string {
  if (run.diverged) return `DIVERGED in ${run.diverged.phase} at step ${run.diverged.step} (${run.diverged.value})`;
  return `‖∇L‖ ${run.phase1GradientNorm!.toExponential(2)} → ${run.gradientNorm!.toExponential(2)} in ${run.phase2Steps} steps (${run.stop}), loss ${run.loss!.toExponential(3)}, minimal ratio ${run.minimalRatio!.toFixed(3)}`;
}

export async function run(config: MinimalRatioConfig, ctx: StageContext): Promise<MinimalRatioData> {
  const jobs: Job[] = Array.from({ length: config.runs }, (_, i) => ({
    run: i + 1,
    seed: deriveSeed(config.baseSeed, 'run', i + 1),
  }));
  const steps = config.phase1.epochs + config.phase2.maxSteps;
  const runs = await ctx.runJobs(config, jobs, () => ({ label: '', steps }), { unit: 'step', summary });
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
