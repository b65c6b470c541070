/**
 * 1-1 Deep vs shallow, "Train on actual tasks": CNNs of similar size and
 * different depth trained on image classification datasets.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { type Dataset, DatasetMissingError, type DatasetName, datasetDirectory } from '../../data/datasets.ts';
import { datasetOf, releaseSubsets, trainTestSubsets } from '../../data/images.ts';
import { datasetLinkTarget } from '../../data/links.ts';
import { cnn, initCnn } from '../../nn/cnn.ts';
import { type CnnSpec, cnnDepth, cnnLayerTable, cnnParameterCount } from '../../nn/cnn-shape.ts';
import { evaluateClassifier, trainClassifier } from '../../train/classification.ts';
import { inputShapes, type TrainOnTasksConfig, type TrainOnTasksData, taskLabels } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  task: DatasetName;
  model: number;
  seed: number;
  label: string;
}

type Run = TrainOnTasksData['tasks'][number]['models'][number]['runs'][number];

const subsetsOf = (config: TrainOnTasksConfig, task: DatasetName) => trainTestSubsets(task, config.dataSeed, config.trainingSamples, config.testSamples);

const cnnSpecOf = (config: TrainOnTasksConfig, task: DatasetName, model: number): CnnSpec => ({
  input: inputShapes[task],
  blocks: config.models[model]!.blocks,
  dense: config.models[model]!.dense,
  classes: 10,
});

/** One CNN trained on one task from one seed, then evaluated on the test subset. */
export function runOne(config: TrainOnTasksConfig, job: Job, report: (step: number, metric: string) => void): Run {
  const { task, seed } = job;
  const name = config.models[job.model]!.name;
  const { train, test } = subsetsOf(config, task);
  const cnnSpec = cnnSpecOf(config, task, job.model);
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  const net = (p: readonly tf.Tensor[], x: tf.Tensor4D) => cnn(cnnSpec, p, x);
  const initial = initCnn(cnnSpec, createRng(deriveSeed(seed, 'init', task, name)));
  const order = createRng(deriveSeed(seed, 'order', task, name));
  try {
    const result = trainClassifier(net, initial, train, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      shuffle: (_epoch, n) => permutation(n, order),
      onBatch: (epoch, batch, _n, loss) => report((epoch - 1) * batches + batch, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
    });
    if (result.diverged) {
      tf.dispose(result.params);
      return { seed, epochs: result.epochs, diverged: result.diverged, test: null };
    }
    const testMetrics = evaluateClassifier(net, result.params, test);
    tf.dispose(result.params);
    return { seed, epochs: result.epochs, diverged: null, test: testMetrics };
  } finally {
    tf.dispose(initial);
  }
}

function summary(run: Run): string {
  if (run.diverged) return `DIVERGED in epoch ${run.diverged.epoch} (loss ${run.diverged.value})`;
  const last = run.epochs[run.epochs.length - 1]!;
  return `train loss ${last.loss.toFixed(4)}, accuracy ${(100 * last.accuracy).toFixed(2)}%; test accuracy ${(100 * run.test!.accuracy).toFixed(2)}%`;
}

export async function run(config: TrainOnTasksConfig, ctx: StageContext): Promise<TrainOnTasksData> {
  for (const task of config.tasks) {
    const target = datasetDirectory(task);
    if (target !== undefined && datasetLinkTarget(task) !== target) {
      ctx.log.warn(
        `${taskLabels[task]} is read from ${target}, but turbo's cache key follows cache/datasets/${task}; run \`npm run datasets\` so that later changes to it rerun this stage`,
      );
    }
  }
  const describeModels = (task: DatasetName) =>
    config.models.map((m, i) => {
      const s = cnnSpecOf(config, task, i);
      return { name: m.name, depth: cnnDepth(s), parameters: cnnParameterCount(s), layers: cnnLayerTable(s) };
    });

  // Which tasks can run: load each present dataset once here to validate it and learn its identity.
  const present = new Map<DatasetName, Dataset>();
  const missing = new Map<DatasetName, string>();
  for (const task of config.tasks) {
    try {
      const dataset = datasetOf(task);
      present.set(task, dataset);
      ctx.datasets[task] = dataset.identity;
      ctx.log.info(`${taskLabels[task]}: ${dataset.source}, identity ${dataset.identity}`);
    } catch (err) {
      if (!(err instanceof DatasetMissingError)) throw err;
      ctx.log.warn(`${taskLabels[task]} is not installed; its part of the report shows a notice instead. ${err.message}`);
      ctx.datasets[task] = 'absent';
      missing.set(task, err.message);
    }
  }

  // Seeds before models, so the progress rate (and its ETA) mixes cheap and costly models from the start.
  const jobs: Job[] = [];
  for (const task of present.keys()) {
    for (const seed of config.seeds) {
      config.models.forEach((m, model) => {
        jobs.push({ task, model, seed, label: `${task} · ${m.name} · seed ${seed}` });
      });
    }
  }
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  let runs: Run[];
  try {
    runs = await ctx.runJobs(config, jobs, (j) => ({ label: j.label, steps: config.epochs * batches }), { unit: 'batch', summary });
  } finally {
    releaseSubsets();
  }
  runs.forEach((r, i) => {
    const j = jobs[i]!;
    if (r.diverged)
      ctx.log.warn(`${j.task} · ${config.models[j.model]!.name} · seed ${j.seed} diverged in epoch ${r.diverged.epoch}; it is reported, not drawn`);
  });

  const tasks: TrainOnTasksData['tasks'] = config.tasks.map((task) => {
    const dataset = present.get(task);
    if (!dataset) {
      return {
        id: task,
        label: taskLabels[task],
        missing: { message: missing.get(task)! },
        dataset: null,
        models: describeModels(task).map((m) => ({ ...m, runs: [] })),
      };
    }
    return {
      id: task,
      label: taskLabels[task],
      missing: null,
      dataset: { source: dataset.source, identity: dataset.identity, trainCount: dataset.train.count, testCount: dataset.test.count, shape: inputShapes[task] },
      models: describeModels(task).map((m, model) => ({
        ...m,
        runs: jobs.flatMap((j, i) => (j.task === task && j.model === model ? [runs[i]!] : [])),
      })),
    };
  });

  return {
    training: {
      optimizer: 'Adam',
      learningRate: config.learningRate,
      batchSize: config.batchSize,
      epochs: config.epochs,
      loss: 'softmax cross-entropy',
      trainingSamples: config.trainingSamples,
      testSamples: config.testSamples,
      seeds: config.seeds,
    },
    tasks,
  };
}
