/**
 * 1-3 Generalization, "Flatness vs. generalization, part 1": one MLP
 * architecture trained two ways (e.g. small and large batches), then the loss
 * and accuracy along the line θ(α) = (1 − α)·θ₁ + α·θ₂ through both.
 */
import * as tf from '@tensorflow/tfjs';
import { alphaGrid, interpolate } from '../../analysis/interpolate.ts';
import { deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { releaseSubsets } from '../../data/images.ts';
import { describeMnist, mnistSubsets } from '../../data/mnist-subsets.ts';
import { imageMlpSpec } from '../../nn/image-mlp.ts';
import { flatValues, unflatten } from '../../nn/params.ts';
import { classifierSetup, evaluateImageMlp, trainImageMlp } from '../../train/image-classifier.ts';
import type { InterpolationConfig, InterpolationData, InterpolationPoint, TrainedModel } from './spec.ts';

export { spec } from './spec.ts';

type Job =
  | { kind: 'train'; model: number; seed: number; label: string }
  | { kind: 'interpolate'; seed: number; alphas: number[]; theta1: Float32Array; theta2: Float32Array; label: string };

type Result = { kind: 'train'; trained: TrainedModel; theta: Float32Array | null } | { kind: 'interpolate'; points: InterpolationPoint[] };

/** The α grid of the config with 0 and 1 added if it misses them, so both trained models are on the curve. */
export function alphasOf(config: InterpolationConfig): number[] {
  const grid = alphaGrid(config.alpha.from, config.alpha.to, config.alpha.count);
  return [...new Set([...grid, 0, 1])].sort((a, b) => a - b);
}

function trainOne(config: InterpolationConfig, job: Extract<Job, { kind: 'train' }>, report: (step: number, metric: string) => void): Result {
  const { train, test } = mnistSubsets(config);
  const spec = imageMlpSpec(train, config.hidden);
  const model = config.models[job.model]!;
  const batches = Math.ceil(config.trainingSamples / model.batchSize);
  const result = trainImageMlp(spec, train, {
    epochs: config.epochs,
    batchSize: model.batchSize,
    learningRate: model.learningRate,
    stopAtAccuracy: config.stopAtTrainingAccuracy,
    initSeed: config.sharedInit ? deriveSeed(job.seed, 'init') : deriveSeed(job.seed, 'init', model.name),
    orderSeed: deriveSeed(job.seed, 'order', model.name),
    onBatch: (epoch, batch, _n, loss) => report((epoch - 1) * batches + batch, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
  });
  try {
    const base = { model: model.name, seed: job.seed, epochs: result.epochs };
    if (result.diverged) return { kind: 'train', trained: { ...base, diverged: result.diverged, train: null, test: null }, theta: null };
    return {
      kind: 'train',
      trained: { ...base, diverged: null, train: evaluateImageMlp(spec, result.params, train), test: evaluateImageMlp(spec, result.params, test) },
      theta: flatValues(result.params),
    };
  } finally {
    tf.dispose(result.params);
  }
}

function interpolateOne(config: InterpolationConfig, job: Extract<Job, { kind: 'interpolate' }>, report: (step: number, metric: string) => void): Result {
  const { train, test } = mnistSubsets(config);
  const spec = imageMlpSpec(train, config.hidden);
  const points = job.alphas.map((alpha, i) => {
    const theta = tf.tensor1d(interpolate(job.theta1, job.theta2, alpha));
    // Inside tidy: unflatten's slices are intermediates that would otherwise outlive the reshaped parameters.
    const params = tf.tidy(() => unflatten(theta, spec));
    try {
      const point = { alpha, train: evaluateImageMlp(spec, params, train), test: evaluateImageMlp(spec, params, test) };
      report(i + 1, `α = ${alpha.toFixed(2)} test loss ${point.test.loss.toFixed(4)}`);
      return point;
    } finally {
      tf.dispose([theta, ...params]);
    }
  });
  return { kind: 'interpolate', points };
}

export function runOne(config: InterpolationConfig, job: Job, report: (step: number, metric: string) => void): Result {
  return job.kind === 'train' ? trainOne(config, job, report) : interpolateOne(config, job, report);
}

function summary(result: Result): string {
  if (result.kind === 'interpolate') {
    const best = result.points.reduce((a, b) => (b.test.loss < a.test.loss ? b : a));
    return `lowest test loss ${best.test.loss.toFixed(4)} at α = ${best.alpha.toFixed(2)}`;
  }
  const t = result.trained;
  if (t.diverged) return `DIVERGED in epoch ${t.diverged.epoch} (loss ${t.diverged.value})`;
  return `${t.epochs.length} epochs, train loss ${t.train!.loss.toFixed(4)}, test loss ${t.test!.loss.toFixed(4)}, test accuracy ${(100 * t.test!.accuracy).toFixed(2)}%`;
}

export async function run(config: InterpolationConfig, ctx: StageContext): Promise<InterpolationData> {
  const { dataset, spec } = describeMnist(config, ctx, ({ train }) => ({ spec: imageMlpSpec(train, config.hidden) }));
  const setup: InterpolationData['setup'] = {
    dataset,
    ...classifierSetup(spec),
    epochs: config.epochs,
    stopAtTrainingAccuracy: config.stopAtTrainingAccuracy ?? null,
    sharedInit: config.sharedInit,
    models: config.models,
    seeds: config.seeds,
  };

  const trainJobs: Job[] = config.seeds.flatMap((seed) =>
    config.models.map((m, model) => ({ kind: 'train' as const, model, seed, label: `${m.name} · seed ${seed}` })),
  );
  const steps = (j: Job) => (j.kind === 'train' ? config.epochs * Math.ceil(config.trainingSamples / config.models[j.model]!.batchSize) : j.alphas.length);
  const alphas = alphasOf(config);
  let trained: Result[];
  let interpolated: Result[];
  const interpolations: Array<Extract<Job, { kind: 'interpolate' }>> = [];
  try {
    trained = await ctx.runJobs(config, trainJobs, (j) => ({ label: j.label, steps: steps(j) }), {
      unit: 'batch',
      summary,
      // A model that reached the target accuracy early took fewer batches than its budget.
      stepsDone: (r, j) =>
        r.kind === 'train' && j.kind === 'train' ? r.trained.epochs.length * Math.ceil(config.trainingSamples / config.models[j.model]!.batchSize) : steps(j),
    });
    for (const seed of config.seeds) {
      const [first, second] = trainJobs.flatMap((j, i) => (j.seed === seed ? [trained[i] as Extract<Result, { kind: 'train' }>] : []));
      if (!first!.theta || !second!.theta) {
        ctx.log.warn(`seed ${seed}: a model diverged, so there is no interpolation for this seed`);
        continue;
      }
      interpolations.push({ kind: 'interpolate', seed, alphas, theta1: first!.theta, theta2: second!.theta, label: `interpolation · seed ${seed}` });
    }
    interpolated = await ctx.runJobs(config, interpolations, (j) => ({ label: j.label, steps: steps(j) }), { unit: 'α', summary });
  } finally {
    releaseSubsets();
  }
  const trainedModels = trained.map((r) => (r as Extract<Result, { kind: 'train' }>).trained);
  for (const t of trainedModels) if (t.diverged) ctx.log.warn(`${t.model} · seed ${t.seed} diverged in epoch ${t.diverged.epoch}; it is reported, not drawn`);
  return {
    setup,
    trained: trainedModels,
    curves: interpolations.map((j, i) => ({ seed: j.seed, points: (interpolated[i] as Extract<Result, { kind: 'interpolate' }>).points })),
  };
}
