/**
 * The flatness-interpolation stage for real: both kinds of job in this
 * thread leak nothing, bad models and α ranges stop it before training, and
 * a tiny run through the CLI puts the two trained models at α = 0 and α = 1
 * of its curve, with scalar metrics for npm run diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetrics, loadMetrics } from '../../pipeline/src/compare/metrics.ts';
import { loadConfig } from '../../pipeline/src/core/config.ts';
import { releaseSubsets } from '../../pipeline/src/data/images.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { runOne } from '../../pipeline/src/stages/flatness-interpolation/run.ts';
import { type InterpolationData, spec } from '../../pipeline/src/stages/flatness-interpolation/spec.ts';
import { expectConfigError, readStageArtifact, runStageWith, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { tinyConfigs, tinyJobs } from '../helpers/tiny-configs.ts';

const stage = 'flatness-interpolation';
type Job = Parameters<typeof runOne>[1];

describe('flatness-interpolation runOne', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('trains once and interpolates once in this thread, then its subsets released, leaving no tensors behind', () => {
    const file = join(tempDir(), `${stage}.yaml`);
    writeFileSync(file, tinyConfigs[stage]!);
    const config = loadConfig(file, spec.configSchema, 'quick').config;
    const before = tf.memory().numTensors;
    const result = runOne(config, tinyJobs[stage] as Job, () => {}) as Extract<ReturnType<typeof runOne>, { kind: 'train' }>;
    // The second kind of job: the line through two parameter vectors.
    const theta = result.theta!;
    const line = runOne(
      config,
      { kind: 'interpolate', seed: 1, alphas: [-1, 0, 0.5, 1, 2], theta1: theta, theta2: theta.map((v) => v * 0.9), label: '' },
      () => {},
    );
    expect(line).toMatchObject({ kind: 'interpolate' });
    expect((line as Extract<typeof line, { kind: 'interpolate' }>).points).toHaveLength(5);
    releaseSubsets();
    expect(result).toBeTruthy();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('flatness-interpolation config errors, before any training', () => {
  const models = [
    { name: 'small', batchSize: 64, learningRate: 0.001 },
    { name: 'large', batchSize: 1024, learningRate: 0.001 },
  ];
  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'one model to interpolate',
      { models: [{ name: 'only', batchSize: 64, learningRate: 0.001 }] },
      /models: expected exactly two models to interpolate between, got 1/,
    ],
    ['a reversed α range', { alpha: { from: 2, to: -1, count: 61 } }, /alpha\.to: expected the α range to increase: to \(-1\) must be greater than from \(2\)/],
    ['too few α', { alpha: { from: -1, to: 2, count: 11 } }, /alpha\.count: expected at least 31 values of α, got 11/],
    [
      'a model batch larger than the data',
      { trainingSamples: 500, models },
      /flatness-interpolation\.yaml:\d+: models\[1\]\.batchSize: expected a batch size of at most trainingSamples \(500\), got 1024/,
    ],
  ])('%s: exit code 2, file and field named, no artifact', (_what, edits, message) => {
    expectConfigError(stage, tinyConfig(stage, edits), message);
  });
});

describe('flatness-interpolation on a tiny budget', () => {
  let d: InterpolationData;
  beforeAll(() => {
    d = readStageArtifact(runStageWith(stage, tinyConfigs[stage]!, { HW1_PROFILE: 'quick' }).artifacts, spec).data;
  });

  it('spans the α grid over [−1, 2], and at α = 0 and α = 1 the metrics are those of the two trained models', () => {
    const [curve] = d.curves;
    const alphas = curve!.points.map((p) => p.alpha);
    expect(alphas).toHaveLength(31);
    expect(alphas[0]).toBe(-1);
    expect(alphas[30]).toBe(2);
    const [small, large] = d.trained;
    expect(small!.model).toBe('small');
    expect(large!.model).toBe('large');
    const at = (a: number) => curve!.points.find((p) => p.alpha === a)!;
    expect(at(0).train).toEqual(small!.train);
    expect(at(0).test).toEqual(small!.test);
    expect(at(1).train).toEqual(large!.train);
    expect(at(1).test).toEqual(large!.test);
    // Both stopped once the running training accuracy reached 0.8 (or ran out of epochs).
    for (const t of d.trained) expect(t.epochs.length).toBeLessThanOrEqual(6);
  });

  it('gives scalar metrics for npm run diff: unique names, finite values', async () => {
    const list = checkMetrics(stage, (await loadMetrics(stage))!.metrics(d as never));
    expect(list.length).toBeGreaterThan(4);
    expect(list.every((m) => m.value !== null)).toBe(true);
  });
});
