/**
 * The parameters-vs-generalization stage for real: one run in this thread
 * leaks nothing, bad widths and sizes stop it before training, and a tiny
 * run through the CLI measures every width and seed, parameter counts in
 * closed form, with scalar metrics for npm run diff.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkMetrics, loadMetrics } from '../../pipeline/src/compare/metrics.ts';
import { loadConfig } from '../../pipeline/src/core/config.ts';
import { releaseSubsets } from '../../pipeline/src/data/images.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { runOne } from '../../pipeline/src/stages/parameters-vs-generalization/run.ts';
import { type ParametersData, spec } from '../../pipeline/src/stages/parameters-vs-generalization/spec.ts';
import { expectConfigError, readStageArtifact, runStageWith, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { tinyConfigs, tinyJobs } from '../helpers/tiny-configs.ts';

const stage = 'parameters-vs-generalization';

describe('parameters-vs-generalization runOne', () => {
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

describe('parameters-vs-generalization config errors, before any training', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['widths out of order', { widths: [2, 4, 8, 16, 32, 64, 128, 256, 1024, 512] }, /widths\[9\]: expected widths in increasing order, got 512 after 1024/],
    ['nine widths', { widths: [2, 4, 8, 16, 32, 64, 128, 256, 512] }, /widths: /],
    ['more training samples than MNIST has', { trainingSamples: 70000 }, /trainingSamples: /],
  ])('%s: exit code 2, file and field named, no artifact', (_what, edits, message) => {
    expectConfigError(stage, tinyConfig(stage, edits), message);
  });
});

describe('parameters-vs-generalization on a tiny budget', () => {
  let d: ParametersData;
  beforeAll(() => {
    d = readStageArtifact(runStageWith(stage, tinyConfigs[stage]!, { HW1_PROFILE: 'quick' }).artifacts, spec).data;
  });

  it('trains one model per width, parameter counts in closed form, every seed measured', () => {
    expect(d.models.map((m) => m.width)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const m of d.models) {
      expect(m.parameters).toBe(784 * m.width + m.width + m.width * 10 + 10);
      expect(m.runs.map((r) => r.seed)).toEqual([1, 2]);
      for (const r of m.runs) {
        expect(r.train!.accuracy).toBeGreaterThanOrEqual(0);
        expect(r.test!.loss).toBeGreaterThan(0);
      }
    }
  });

  it('gives scalar metrics for npm run diff: unique names, finite values, parameter counts', async () => {
    const list = checkMetrics(stage, (await loadMetrics(stage))!.metrics(d as never));
    expect(list.length).toBeGreaterThan(4);
    expect(list.every((m) => m.value !== null)).toBe(true);
    expect(list.find((m) => m.name === 'width 10 · parameters')!.value).toBe(784 * 10 + 10 + 10 * 10 + 10);
  });
});
