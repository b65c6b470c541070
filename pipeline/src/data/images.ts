/**
 * Images as tensors to train on: seeded subsets of a dataset split, the
 * seeded label shuffle of "can a network fit random labels?", and a
 * per-thread cache of loaded datasets and subsets.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, permutation } from '../core/random.ts';
import { type Dataset, type DatasetName, loadDataset, type Split } from './datasets.ts';

/** Labelled images for classification: x is [n, h, w, c] float32 in [0, 1], labels are class indices. */
export interface LabelledImages {
  x: tf.Tensor4D;
  labels: tf.Tensor1D;
  classes: number;
}

/** `count` samples of a split picked by a seeded permutation: images scaled to [0, 1], labels int32. */
export function subset(split: Split, count: number, seed: number, classes = 10): LabelledImages {
  if (count > split.count) throw new Error(`asked for ${count} samples of a split holding ${split.count}`);
  const pick = permutation(split.count, createRng(seed)).subarray(0, count);
  const size = split.height * split.width * split.channels;
  const x = new Float32Array(count * size);
  const labels = new Int32Array(count);
  pick.forEach((src, i) => {
    for (let k = 0; k < size; k++) x[i * size + k] = split.images[src * size + k]! / 255;
    labels[i] = split.labels[src]!;
  });
  return { x: tf.tensor4d(x, [count, split.height, split.width, split.channels]), labels: tf.tensor1d(labels, 'int32'), classes };
}

/**
 * The labels permuted among the samples by a seeded permutation: every class
 * keeps its frequency, but a label no longer says anything about its image.
 */
export function shuffleLabels(labels: Int32Array, seed: number): Int32Array {
  const order = permutation(labels.length, createRng(seed));
  return Int32Array.from(order, (src) => labels[src]!);
}

export interface TrainTestSubsets {
  dataset: Dataset;
  train: LabelledImages;
  test: LabelledImages;
}

// Each thread loads a dataset and its subsets once and keeps them for the runs it is given.
const datasets = new Map<DatasetName, Dataset>();
const subsets = new Map<string, TrainTestSubsets>();

/** The dataset, loaded once per thread (throws DatasetMissingError when absent). */
export function datasetOf(name: DatasetName): Dataset {
  let dataset = datasets.get(name);
  if (!dataset) {
    dataset = loadDataset(name);
    datasets.set(name, dataset);
  }
  return dataset;
}

/** Seeded training and test subsets of a dataset, made once per thread and kept until releaseSubsets(). */
export function trainTestSubsets(name: DatasetName, dataSeed: number, trainingSamples: number, testSamples: number): TrainTestSubsets {
  const key = `${name}/${dataSeed}/${trainingSamples}/${testSamples}`;
  let s = subsets.get(key);
  if (!s) {
    const dataset = datasetOf(name);
    s = {
      dataset,
      train: subset(dataset.train, trainingSamples, deriveSeed(dataSeed, 'train-subset', name), dataset.classes),
      test: subset(dataset.test, testSamples, deriveSeed(dataSeed, 'test-subset', name), dataset.classes),
    };
    subsets.set(key, s);
  }
  return s;
}

/** Frees every subset's tensors and forgets the loaded datasets. */
export function releaseSubsets(): void {
  for (const { train, test } of subsets.values()) tf.dispose([train.x, train.labels, test.x, test.labels]);
  subsets.clear();
  datasets.clear();
}
