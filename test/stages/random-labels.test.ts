/**
 * The random-labels stage for real: one run in this thread leaks nothing, a
 * batch larger than the data stops it before training, and a tiny run
 * through the CLI evaluates every epoch on shuffled training labels and
 * true test labels, with scalar metrics for npm run diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetrics, loadMetrics } from '../../pipeline/src/compare/metrics.ts';
import { loadConfig } from '../../pipeline/src/core/config.ts';
import { releaseSubsets } from '../../pipeline/src/data/images.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { runOne } from '../../pipeline/src/stages/random-labels/run.ts';
import { type RandomLabelsData, spec } from '../../pipeline/src/stages/random-labels/spec.ts';
import { expectConfigError, readStageArtifact, runStageWith, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { tinyConfigs, tinyJobs } from '../helpers/tiny-configs.ts';

const stage = 'random-labels';

describe('random-labels runOne', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('runs once in this thread, then its subsets released, leaving no tensors behind', () => {
    const file = join(tempDir(), `${stage}.yaml`);
    writeFileSync(file, tinyConfigs[stage]!);
    const config = loadConfig(file, spec.configSchema, 'quick').config;
    const before = tf.memory().numTensors;
    const result = runOne(config, tinyJobs[stage] as Parameters<typeof runOne>[1], () => {});
    releaseSubsets();
    expect(result).toBeTruthy();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('random-labels config errors, before any training', () => {
  it('a batch larger than the data: exit code 2, file and field named, no artifact', () => {
    expectConfigError(
      stage,
      tinyConfig(stage, { batchSize: 5000, trainingSamples: 3000 }),
      /batchSize: expected a batch size of at most trainingSamples \(3000\), got 5000/,
    );
  });
});

describe('random-labels on a tiny budget', () => {
  let d: RandomLabelsData;
  beforeAll(() => {
    // The tiny configs have no profiles: quick is the config as written.
    d = readStageArtifact(runStageWith(stage, tinyConfigs[stage]!, { HW1_PROFILE: 'quick' }).artifacts, spec).data;
  });

  it('evaluates the initial model and every epoch, on shuffled training labels and true test labels', () => {
    expect(d.runs.map((r) => r.labels)).toEqual(['random', 'true']);
    for (const r of d.runs) {
      expect(r.diverged).toBeNull();
      expect(r.epochs.map((e) => e.epoch)).toEqual([0, 1, 2, 3, 4]);
      expect(r.epochs[4]!.train.loss).toBeLessThan(r.epochs[0]!.train.loss);
    }
    // Learning the true labels generalizes; the shuffled ones cannot.
    const [random, real] = d.runs;
    expect(real!.epochs[4]!.test.accuracy).toBeGreaterThan(0.5);
    expect(random!.epochs[4]!.test.accuracy).toBeLessThan(0.3);
    expect(d.setup.unchangedLabels).toBeGreaterThan(0.03);
    expect(d.setup.unchangedLabels).toBeLessThan(0.2);
    expect(d.setup.parameters).toBe(784 * 32 + 32 + 32 * 10 + 10);
  });

  it('gives scalar metrics for npm run diff: unique names, finite values', async () => {
    const list = checkMetrics(stage, (await loadMetrics(stage))!.metrics(d as never));
    expect(list.length).toBeGreaterThan(4);
    expect(list.every((m) => m.value !== null)).toBe(true);
  });
});
