/**
 * 1-3 Generalization, "Flatness vs. generalization, part 2": one MLP
 * architecture trained with several batch sizes; each trained model's loss,
 * accuracy, input sensitivity and sharpness (the Hessian's top eigenvalue).
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropyLoss } from '../../analysis/losses.ts';
import { topHessianEigenvalue } from '../../analysis/power-iteration.ts';
import { sensitivity } from '../../analysis/sensitivity.ts';
import { deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { releaseSubsets } from '../../data/images.ts';
import { describeMnist, mnistSubsets } from '../../data/mnist-subsets.ts';
import { imageMlpSpec } from '../../nn/image-mlp.ts';
import { mlp } from '../../nn/mlp.ts';
import { flattenParams } from '../../nn/params.ts';
import { classifierSetup, evaluateImageMlp, trainImageMlp } from '../../train/image-classifier.ts';
import type { SensitivityConfig, SensitivityData, SensitivityRun } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  batchSize: number;
  seed: number;
  label: string;
}

const stepsOf = (config: SensitivityConfig, batchSize: number) => config.epochs * Math.ceil(config.trainingSamples / batchSize);
// Power iteration's products are counted as steps too, so the ETA covers them.
const totalSteps = (config: SensitivityConfig, batchSize: number) => stepsOf(config, batchSize) + config.sharpness.iterations;

/** The first n samples of a 4-D batch as rows of a matrix. */
function rows(x: tf.Tensor4D, n: number): tf.Tensor2D {
  return tf.tidy(() => tf.reshape(tf.slice(x, [0, 0, 0, 0], [n, -1, -1, -1]), [n, -1]) as tf.Tensor2D);
}

export function runOne(config: SensitivityConfig, job: Job, report: (step: number, metric: string) => void): SensitivityRun {
  const { train, test } = mnistSubsets(config);
  const spec = imageMlpSpec(train, config.hidden);
  const batches = Math.ceil(config.trainingSamples / job.batchSize);
  // Every batch size starts from the same initialisation for a given seed.
  const result = trainImageMlp(spec, train, {
    epochs: config.epochs,
    batchSize: job.batchSize,
    learningRate: config.learningRate,
    stopAtAccuracy: config.stopAtTrainingAccuracy,
    initSeed: deriveSeed(job.seed, 'init'),
    orderSeed: deriveSeed(job.seed, 'order', job.batchSize),
    onBatch: (epoch, batch, _n, loss) => report((epoch - 1) * batches + batch, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
  });
  const xTest = rows(test.x, config.sensitivitySamples);
  const xSharp = rows(train.x, config.sharpness.samples);
  const ySharp = tf.slice(train.labels, [0], [config.sharpness.samples]);
  const theta = flattenParams(result.params);
  try {
    const epochsTrained = result.epochs.length;
    if (result.diverged) return { seed: job.seed, diverged: result.diverged, epochsTrained, train: null, test: null, sensitivity: null, sharpness: null };
    const trainMetrics = evaluateImageMlp(spec, result.params, train);
    const testMetrics = evaluateImageMlp(spec, result.params, test);
    const s = sensitivity((x) => mlp(result.params, x, spec.activation), xTest);
    const steps = stepsOf(config, job.batchSize);
    let products = 0;
    const loss = crossEntropyLoss(spec, xSharp, ySharp);
    const counted = (t: tf.Tensor1D) => {
      report(steps + ++products, `power iteration ${products}/${config.sharpness.iterations}`);
      return loss(t);
    };
    const top = topHessianEigenvalue(counted, theta, {
      iterations: config.sharpness.iterations,
      tolerance: config.sharpness.tolerance,
      seed: deriveSeed(job.seed, 'power-iteration', job.batchSize),
    });
    return { seed: job.seed, diverged: null, epochsTrained, train: trainMetrics, test: testMetrics, sensitivity: s, sharpness: top };
  } finally {
    tf.dispose([...result.params, xTest, xSharp, ySharp, theta]);
  }
}

function summary(run: SensitivityRun): string {
  if (run.diverged) return `DIVERGED in epoch ${run.diverged.epoch} (loss ${run.diverged.value})`;
  return `${run.epochsTrained} epochs, test accuracy ${(100 * run.test!.accuracy).toFixed(2)}%, sensitivity ${run.sensitivity!.toFixed(3)}, sharpness ${run.sharpness!.value.toFixed(3)}`;
}

export async function run(config: SensitivityConfig, ctx: StageContext): Promise<SensitivityData> {
  const { dataset, spec } = describeMnist(config, ctx, ({ train }) => ({ spec: imageMlpSpec(train, config.hidden) }));
  const setup: SensitivityData['setup'] = {
    dataset,
    ...classifierSetup(spec),
    learningRate: config.learningRate,
    epochs: config.epochs,
    stopAtTrainingAccuracy: config.stopAtTrainingAccuracy ?? null,
    seeds: config.seeds,
    sensitivitySamples: config.sensitivitySamples,
    sharpness: { ...config.sharpness, method: 'power iteration on Hessian-vector products (reverse over reverse)' },
  };

  // Smallest batches (most optimizer steps) first, so the two cores finish together.
  const jobs: Job[] = config.batchSizes.flatMap((batchSize) => config.seeds.map((seed) => ({ batchSize, seed, label: `batch ${batchSize} · seed ${seed}` })));
  let runs: SensitivityRun[];
  try {
    runs = await ctx.runJobs(config, jobs, (j) => ({ label: j.label, steps: totalSteps(config, j.batchSize) }), {
      unit: 'step',
      summary,
      // A run that reached the target accuracy early took fewer steps than its budget.
      stepsDone: (r, j) => r.epochsTrained * Math.ceil(config.trainingSamples / j.batchSize) + (r.sharpness?.iterations ?? 0),
    });
  } finally {
    releaseSubsets();
  }
  runs.forEach((r, i) => {
    if (r.diverged) ctx.log.warn(`batch ${jobs[i]!.batchSize} · seed ${r.seed} diverged in epoch ${r.diverged.epoch}; it is reported, not drawn`);
    else if (!r.sharpness!.converged)
      ctx.log.warn(`batch ${jobs[i]!.batchSize} · seed ${r.seed}: power iteration did not converge in ${config.sharpness.iterations} products`);
  });
  return {
    setup,
    models: config.batchSizes.map((batchSize) => ({
      batchSize,
      stepsPerEpoch: Math.ceil(config.trainingSamples / batchSize),
      runs: jobs.flatMap((j, i) => (j.batchSize === batchSize ? [runs[i]!] : [])),
    })),
  };
}
