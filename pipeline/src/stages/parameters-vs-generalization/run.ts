/**
 * 1-3 Generalization, "Number of parameters vs. generalization": MLPs of one
 * family, wider and wider, trained on the same MNIST subset; each trained
 * model is measured on the training and the test subset.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { releaseSubsets } from '../../data/images.ts';
import { describeMnist, mnistSubsets } from '../../data/mnist-subsets.ts';
import { imageMlpSpec } from '../../nn/image-mlp.ts';
import { parameterCount } from '../../nn/mlp-shape.ts';
import { evaluateImageMlp, trainImageMlp } from '../../train/image-classifier.ts';
import type { ParametersConfig, ParametersData, ParametersRun } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  width: number;
  seed: number;
  label: string;
}

const hiddenOf = (config: ParametersConfig, width: number): number[] => new Array<number>(config.layers).fill(width);

export function runOne(config: ParametersConfig, job: Job, report: (step: number, metric: string) => void): ParametersRun {
  const { train, test } = mnistSubsets(config);
  const spec = imageMlpSpec(train, hiddenOf(config, job.width));
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  const result = trainImageMlp(spec, train, {
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    initSeed: deriveSeed(job.seed, 'init', job.width),
    orderSeed: deriveSeed(job.seed, 'order', job.width),
    onBatch: (epoch, batch, _n, loss) => report((epoch - 1) * batches + batch, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
  });
  try {
    if (result.diverged) return { seed: job.seed, diverged: result.diverged, train: null, test: null };
    return { seed: job.seed, diverged: null, train: evaluateImageMlp(spec, result.params, train), test: evaluateImageMlp(spec, result.params, test) };
  } finally {
    tf.dispose(result.params);
  }
}

function summary(run: ParametersRun): string {
  if (run.diverged) return `DIVERGED in epoch ${run.diverged.epoch} (loss ${run.diverged.value})`;
  return `train loss ${run.train!.loss.toFixed(4)}, test loss ${run.test!.loss.toFixed(4)}, test accuracy ${(100 * run.test!.accuracy).toFixed(2)}%`;
}

export async function run(config: ParametersConfig, ctx: StageContext): Promise<ParametersData> {
  const { dataset, specs } = describeMnist(config, ctx, ({ train }) => ({ specs: config.widths.map((w) => imageMlpSpec(train, hiddenOf(config, w))) }));

  // Widest first: the longest runs start early, so the two cores finish together.
  const jobs: Job[] = [...config.widths].reverse().flatMap((width) => config.seeds.map((seed) => ({ width, seed, label: `width ${width} · seed ${seed}` })));
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  let runs: ParametersRun[];
  try {
    runs = await ctx.runJobs(config, jobs, (j) => ({ label: j.label, steps: config.epochs * batches }), { unit: 'batch', summary });
  } finally {
    releaseSubsets();
  }
  runs.forEach((r, i) => {
    if (r.diverged) ctx.log.warn(`width ${jobs[i]!.width} · seed ${r.seed} diverged in epoch ${r.diverged.epoch}; it is reported, not drawn`);
  });

  return {
    setup: {
      dataset,
      layers: config.layers,
      activation: 'relu',
      optimizer: 'Adam',
      loss: 'softmax cross-entropy',
      learningRate: config.learningRate,
      batchSize: config.batchSize,
      epochs: config.epochs,
      seeds: config.seeds,
    },
    models: config.widths.map((width, m) => ({
      width,
      hidden: hiddenOf(config, width),
      parameters: parameterCount(specs[m]!),
      runs: jobs.flatMap((j, i) => (j.width === width ? [runs[i]!] : [])),
    })),
  };
}
