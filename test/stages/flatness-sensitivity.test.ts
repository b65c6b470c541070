/**
 * The flatness-sensitivity stage for real: one run in this thread leaks
 * nothing, bad batch sizes and sample counts stop it before training, and a
 * tiny run through the CLI gives every batch size a loss, an accuracy, a
 * sensitivity and a sharpness, with scalar metrics for npm run diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetrics, loadMetrics } from '../../pipeline/src/compare/metrics.ts';
import { loadConfig } from '../../pipeline/src/core/config.ts';
import { releaseSubsets } from '../../pipeline/src/data/images.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { runOne } from '../../pipeline/src/stages/flatness-sensitivity/run.ts';
import { type SensitivityData, spec } from '../../pipeline/src/stages/flatness-sensitivity/spec.ts';
import { expectConfigError, readStageArtifact, runStageWith, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { tinyConfigs, tinyJobs } from '../helpers/tiny-configs.ts';

const stage = 'flatness-sensitivity';

describe('flatness-sensitivity runOne', () => {
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

describe('flatness-sensitivity config errors, before any training', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['four batch sizes', { batchSizes: [16, 64, 256, 1024] }, /batchSizes: /],
    [
      'a batch size larger than the data',
      { trainingSamples: 2000, batchSizes: [16, 64, 256, 1024, 4096] },
      /flatness-sensitivity\.yaml:\d+: batchSizes\[4\]: expected a batch size of at most trainingSamples \(2000\), got 4096/,
    ],
    [
      'more sensitivity samples than test samples',
      { sensitivitySamples: 3000, testSamples: 2000 },
      /sensitivitySamples: expected at most testSamples \(2000\), got 3000/,
    ],
  ])('%s: exit code 2, file and field named, no artifact', (_what, edits, message) => {
    expectConfigError(stage, tinyConfig(stage, edits), message);
  });
});

describe('flatness-sensitivity on a tiny budget', () => {
  let d: SensitivityData;
  beforeAll(() => {
    d = readStageArtifact(runStageWith(stage, tinyConfigs[stage]!, { HW1_PROFILE: 'quick' }).artifacts, spec).data;
  });

  it('gives every batch size a loss, an accuracy, a positive sensitivity and a sharpness', () => {
    expect(d.models.map((m) => m.batchSize)).toEqual([8, 16, 32, 64, 256]);
    expect(d.models.map((m) => m.stepsPerEpoch)).toEqual([32, 16, 8, 4, 1]);
    for (const m of d.models) {
      const [r] = m.runs;
      expect(r!.diverged).toBeNull();
      expect(r!.sensitivity).toBeGreaterThan(0);
      // Probabilities sum to one, so each Jacobian row sums to zero and the norm is bounded: ‖J‖_F ≤ √2·‖x‖·‖W‖ is loose; 100 is far beyond any real value.
      expect(r!.sensitivity).toBeLessThan(100);
      expect(r!.sharpness!.value).toBeGreaterThan(0);
      expect(r!.epochsTrained).toBeLessThanOrEqual(3);
    }
  });

  it('gives scalar metrics for npm run diff: unique names, finite values, the seeds kept', async () => {
    const list = checkMetrics(stage, (await loadMetrics(stage))!.metrics(d as never));
    expect(list.length).toBeGreaterThan(4);
    expect(list.every((m) => m.value !== null)).toBe(true);
    expect(list.find((m) => m.name === 'batch 8 · sharpness (λmax)')!.perSeed).toHaveLength(1);
  });
});
