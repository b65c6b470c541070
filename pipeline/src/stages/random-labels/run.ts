/**
 * 1-3 Generalization, "Can a network fit random labels?": an MLP trained on
 * MNIST images whose labels were shuffled, long enough to memorise them,
 * beside the same MLP trained on the true labels.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { type LabelledImages, releaseSubsets, shuffleLabels } from '../../data/images.ts';
import { describeMnist, mnistSubsets } from '../../data/mnist-subsets.ts';
import { imageMlpSpec } from '../../nn/image-mlp.ts';
import { classifierSetup, evaluateImageMlp, trainImageMlp } from '../../train/image-classifier.ts';
import type { RandomLabelsConfig, RandomLabelsData, RandomLabelsRun } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  labels: 'random' | 'true';
  seed: number;
  label: string;
}

function shuffledLabels(config: RandomLabelsConfig, labels: tf.Tensor1D): Int32Array {
  return shuffleLabels(labels.dataSync() as Int32Array, deriveSeed(config.labelSeed, 'label-shuffle'));
}

/** One MLP trained from one seed on the random (or true) labels, evaluated after every epoch. */
export function runOne(config: RandomLabelsConfig, job: Job, report: (step: number, metric: string) => void): RandomLabelsRun {
  const { train, test } = mnistSubsets(config);
  const labels = job.labels === 'random' ? tf.tensor1d(shuffledLabels(config, train.labels), 'int32') : train.labels;
  const data: LabelledImages = { x: train.x, labels, classes: train.classes };
  const spec = imageMlpSpec(data, config.hidden);
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  const epochs: RandomLabelsRun['epochs'] = [];
  try {
    // Both label kinds start from the same initialisation and see samples in the same order.
    const result = trainImageMlp(spec, data, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      initSeed: deriveSeed(job.seed, 'init'),
      orderSeed: deriveSeed(job.seed, 'order'),
      onBatch: (epoch, batch, _n, loss) => report((epoch - 1) * batches + batch, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
      onEpoch: (epoch, params) => epochs.push({ epoch, train: evaluateImageMlp(spec, params, data), test: evaluateImageMlp(spec, params, test) }),
    });
    tf.dispose(result.params);
    return { labels: job.labels, seed: job.seed, epochs, diverged: result.diverged };
  } finally {
    if (labels !== train.labels) labels.dispose();
  }
}

function summary(run: RandomLabelsRun): string {
  if (run.diverged) return `DIVERGED in epoch ${run.diverged.epoch} (loss ${run.diverged.value})`;
  const last = run.epochs[run.epochs.length - 1]!;
  return `train accuracy ${(100 * last.train.accuracy).toFixed(2)}%, test accuracy ${(100 * last.test.accuracy).toFixed(2)}%`;
}

export async function run(config: RandomLabelsConfig, ctx: StageContext): Promise<RandomLabelsData> {
  const { dataset, spec, unchangedLabels, majorityClassShare } = describeMnist(config, ctx, ({ train, test }) => {
    const trueLabels = train.labels.dataSync() as Int32Array;
    const shuffled = shuffledLabels(config, train.labels);
    const testCounts = new Array<number>(test.classes).fill(0);
    for (const y of test.labels.dataSync()) testCounts[y]!++;
    return {
      spec: imageMlpSpec(train, config.hidden),
      unchangedLabels: shuffled.filter((y, i) => y === trueLabels[i]).length / shuffled.length,
      majorityClassShare: Math.max(...testCounts) / config.testSamples,
    };
  });
  const setup: RandomLabelsData['setup'] = {
    dataset,
    ...classifierSetup(spec),
    learningRate: config.learningRate,
    batchSize: config.batchSize,
    epochs: config.epochs,
    seeds: config.seeds,
    labelSeed: config.labelSeed,
    unchangedLabels,
    majorityClassShare,
  };

  const kinds = config.trueLabels ? (['random', 'true'] as const) : (['random'] as const);
  const jobs: Job[] = kinds.flatMap((labels) => config.seeds.map((seed) => ({ labels, seed, label: `${labels} labels · seed ${seed}` })));
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  let runs: RandomLabelsRun[];
  try {
    runs = await ctx.runJobs(config, jobs, (j) => ({ label: j.label, steps: config.epochs * batches }), { unit: 'batch', summary });
  } finally {
    releaseSubsets();
  }
  for (const r of runs) {
    if (r.diverged) ctx.log.warn(`${r.labels} labels · seed ${r.seed} diverged in epoch ${r.diverged.epoch}; it is reported, not drawn`);
  }
  return { setup, runs };
}
