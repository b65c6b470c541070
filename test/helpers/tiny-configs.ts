/**
 * Configs of stages cut down to seconds of work (the shipped
 * configs without profiles, the fields below replaced): what the stage tests
 * run and what the pages are built from in their site tests.
 */
import { tinyConfig } from './helpers.ts';

export const tinyConfigs: Record<string, string> = {
  'random-labels': tinyConfig('random-labels', { hidden: [32], trainingSamples: 256, testSamples: 200, epochs: 4, seeds: [1], trueLabels: true }),
  'parameters-vs-generalization': tinyConfig('parameters-vs-generalization', {
    widths: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    layers: 1,
    trainingSamples: 256,
    testSamples: 200,
    epochs: 2,
    seeds: [1, 2],
  }),
  'flatness-interpolation': tinyConfig('flatness-interpolation', {
    hidden: [16],
    trainingSamples: 256,
    testSamples: 200,
    models: [
      { name: 'small', batchSize: 16, learningRate: 0.001 },
      { name: 'large', batchSize: 128, learningRate: 0.003 },
    ],
    epochs: 6,
    stopAtTrainingAccuracy: 0.8,
    alpha: { from: -1, to: 2, count: 31 },
    seeds: [1],
  }),
  'flatness-sensitivity': tinyConfig('flatness-sensitivity', {
    hidden: [16],
    trainingSamples: 256,
    testSamples: 200,
    batchSizes: [8, 16, 32, 64, 256],
    epochs: 3,
    sensitivitySamples: 50,
    sharpness: { samples: 64, iterations: 20, tolerance: 1.0e-3 },
    seeds: [1],
  }),
};

/** The runOne job of each section 1-3 stage that the tests run in their own thread. */
export const tinyJobs: Record<string, object> = {
  'random-labels': { labels: 'random', seed: 1, label: '' },
  'parameters-vs-generalization': { width: 3, seed: 1, label: '' },
  'flatness-interpolation': { kind: 'train', model: 0, seed: 1, label: '' },
  'flatness-sensitivity': { batchSize: 64, seed: 1, label: '' },
};

/** train-on-tasks on a tiny budget: 2 epochs of 1280 images (40 Adam steps), one seed. */
export const tinyTrainOnTasks = tinyConfig('train-on-tasks', { trainingSamples: 1280, testSamples: 500, epochs: 2, batchSize: 64, seeds: [1] });
