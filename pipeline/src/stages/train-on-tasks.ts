/**
 * 1-1 Deep vs shallow, "Train on actual tasks": CNNs of similar size and
 * different depth trained on image classification datasets.
 */
import * as tf from '@tensorflow/tfjs';
import { cnn, cnnDepth, cnnLayerTable, cnnParameterCount, initCnn, type CnnSpec } from '../cnn.ts';
import { datasetAvailable, datasetDirectory, datasetLinkTarget, DatasetMissingError, loadDataset, type Split } from '../datasets.ts';
import { createRng, deriveSeed, permutation } from '../random.ts';
import type { StageContext } from '../run-stage.ts';
import { evaluateClassifier, trainClassifier, type LabelledImages } from '../classify.ts';
import { inputShapes, taskLabels, trainOnTasks, type TrainOnTasksConfig, type TrainOnTasksData } from './train-on-tasks.schema.ts';

export const spec = trainOnTasks;

/** A seeded subset of a split as tensors: images scaled to [0, 1], labels int32. */
function subset(split: Split, count: number, seed: number): LabelledImages {
  if (count > split.count) throw new Error(`asked for ${count} samples of a split holding ${split.count}`);
  const pick = permutation(split.count, createRng(seed)).subarray(0, count);
  const size = split.height * split.width * split.channels;
  const x = new Float32Array(count * size);
  const labels = new Int32Array(count);
  pick.forEach((src, i) => {
    for (let k = 0; k < size; k++) x[i * size + k] = split.images[src * size + k]! / 255;
    labels[i] = split.labels[src]!;
  });
  return { x: tf.tensor4d(x, [count, split.height, split.width, split.channels]), labels: tf.tensor1d(labels, 'int32'), classes: 10 };
}

export async function run(config: TrainOnTasksConfig, ctx: StageContext): Promise<TrainOnTasksData> {
  for (const task of config.tasks) {
    const target = datasetDirectory(task);
    if (target !== undefined && datasetLinkTarget(task) !== target) {
      ctx.log.warn(`${taskLabels[task]} is read from ${target}, but turbo's cache key follows cache/datasets/${task}; run \`npm run datasets\` so that later changes to it rerun this stage`);
    }
  }
  const batches = Math.ceil(config.trainingSamples / config.batchSize);
  const available = config.tasks.filter((t) => datasetAvailable(t));
  const totalRuns = available.length * config.models.length * config.seeds.length;
  const progress = ctx.log.progress(totalRuns * config.epochs * batches, 'batch');
  let runIndex = 0;

  let train: LabelledImages;
  let test: LabelledImages;
  const trainOne = (task: string, name: string, cnnSpec: CnnSpec, seed: number, label: string) => {
    progress.start(label, config.epochs * batches);
    const net = (p: readonly tf.Tensor[], x: tf.Tensor4D) => cnn(cnnSpec, p, x);
    const initial = initCnn(cnnSpec, createRng(deriveSeed(seed, 'init', task, name)));
    const order = createRng(deriveSeed(seed, 'order', task, name));
    try {
      const result = trainClassifier(net, initial, train, {
        epochs: config.epochs,
        batchSize: config.batchSize,
        learningRate: config.learningRate,
        shuffle: (_epoch, n) => permutation(n, order),
        onBatch: (epoch, batch, _n, loss) => progress.update((epoch - 1) * batches + batch, `epoch ${epoch}/${config.epochs} loss ${loss.toFixed(4)}`),
      });
      if (result.diverged) {
        tf.dispose(result.params);
        progress.end(`DIVERGED in epoch ${result.diverged.epoch} (loss ${result.diverged.value})`);
        ctx.log.warn(`${task} · ${name} · seed ${seed} diverged in epoch ${result.diverged.epoch}; it is reported, not drawn`);
        return { seed, epochs: result.epochs, diverged: result.diverged, test: null };
      }
      const testMetrics = evaluateClassifier(net, result.params, test);
      tf.dispose(result.params);
      const last = result.epochs[result.epochs.length - 1]!;
      progress.end(`train loss ${last.loss.toFixed(4)}, accuracy ${(100 * last.accuracy).toFixed(2)}%; test accuracy ${(100 * testMetrics.accuracy).toFixed(2)}%`);
      return { seed, epochs: result.epochs, diverged: null, test: testMetrics };
    } finally {
      tf.dispose(initial);
    }
  };

  const tasks: TrainOnTasksData['tasks'] = [];
  for (const task of config.tasks) {
    const specs = config.models.map((m): CnnSpec => ({ input: inputShapes[task], blocks: m.blocks, dense: m.dense, classes: 10 }));
    const describeModels = () =>
      config.models.map((m, i) => ({ name: m.name, depth: cnnDepth(specs[i]!), parameters: cnnParameterCount(specs[i]!), layers: cnnLayerTable(specs[i]!) }));
    let dataset;
    try {
      dataset = loadDataset(task);
    } catch (err) {
      if (!(err instanceof DatasetMissingError)) throw err;
      ctx.log.warn(`${taskLabels[task]} is not installed; its part of the report shows a notice instead. ${err.message}`);
      ctx.datasets[task] = 'absent';
      tasks.push({ id: task, label: taskLabels[task], missing: { message: err.message }, dataset: null, models: describeModels().map((m) => ({ ...m, runs: [] })) });
      continue;
    }
    ctx.datasets[task] = dataset.identity;
    ctx.log.info(`${taskLabels[task]}: ${dataset.source}, identity ${dataset.identity}`);
    train = subset(dataset.train, config.trainingSamples, deriveSeed(config.dataSeed, 'train-subset', task));
    test = subset(dataset.test, config.testSamples, deriveSeed(config.dataSeed, 'test-subset', task));
    try {
      // Seeds outermost, so the progress rate (and its ETA) mixes cheap and costly models from the start.
      const runs: TrainOnTasksData['tasks'][number]['models'][number]['runs'][] = config.models.map(() => []);
      for (const seed of config.seeds) {
        config.models.forEach((m, i) => {
          runIndex += 1;
          runs[i]!.push(trainOne(task, m.name, specs[i]!, seed, `run ${runIndex}/${totalRuns} ${task} · ${m.name} · seed ${seed}`));
        });
      }
      const models = describeModels().map((m, i) => ({ ...m, runs: runs[i]! }));
      tasks.push({
        id: task,
        label: taskLabels[task],
        missing: null,
        dataset: { source: dataset.source, identity: dataset.identity, trainCount: dataset.train.count, testCount: dataset.test.count, shape: inputShapes[task] },
        models,
      });
    } finally {
      tf.dispose([train.x, train.labels, test.x, test.labels]);
    }
  }

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
