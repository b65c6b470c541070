/**
 * The minimal-ratio stage for real: a bad config stops the CLI before any
 * training, runOne leaks no tensors, and a tiny run through the CLI drives
 * gradients down and writes ratios in [0, 1].
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../../pipeline/src/core/artifact.ts';
import { loadConfig } from '../../pipeline/src/core/config.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { runOne } from '../../pipeline/src/stages/minimal-ratio/run.ts';
import { configSchema, type MinimalRatioConfig, spec as minimalRatio } from '../../pipeline/src/stages/minimal-ratio/spec.ts';
import { editConfig, runCli, shippedConfig, tempDir, tinyConfig } from '../helpers/helpers.ts';

/** The real config cut down to a few seconds of work, quick profile removed. */
const tiny = tinyConfig('minimal-ratio', { runs: 3, 'phase1.epochs': 300, 'phase2.maxSteps': 40 });

function load(text: string): MinimalRatioConfig {
  const file = join(tempDir(), 'minimal-ratio.yaml');
  writeFileSync(file, text);
  return loadConfig(file, configSchema, 'full', 'exp.yaml').config;
}

describe('minimal-ratio config errors', () => {
  it('stop the CLI with exit code 2 before any training', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'minimal-ratio.yaml'), editConfig(shippedConfig('minimal-ratio'), { runs: 0 }));
    const r = runCli(['minimal-ratio'], { HW1_CONFIG_DIR: dir, HW1_ARTIFACTS_DIR: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/runs: /);
    expect(r.stdout).not.toMatch(/backend|run 1\//);
  });
});

describe('minimal-ratio runs', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('leaks no tensors across runs', async () => {
    await selectBackend('wasm');
    const config = load(editConfig(tiny, { 'phase1.epochs': 20, 'phase2.maxSteps': 3 }));
    const counts: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const [r] = runOne(config, { members: [{ run: i, seed: i }] }, () => {});
      expect(r!.diverged).toBeNull();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
  });

  it('runs through the CLI: a valid artifact, gradients driven down, ratios in [0, 1]', () => {
    const configDir = tempDir();
    const artifacts = tempDir();
    writeFileSync(join(configDir, 'minimal-ratio.yaml'), editConfig(tiny, { target: 'sinc', activation: 'tanh', hidden: [6, 6] }));
    const r = runCli(['minimal-ratio'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ensemble 1\/1 runs 1–3: \d of 3 runs reached the gradient threshold, minimal ratio \S+ to \S+ \(median \S+\)/);
    const { data, manifest } = readArtifact(
      join(artifacts, 'minimal-ratio/artifact.json'),
      'minimal-ratio',
      minimalRatio.schemaVersion,
      minimalRatio.dataSchema,
    );
    expect(manifest.stage).toBe('minimal-ratio');
    expect(data.runs).toHaveLength(3);
    expect(data.setup.parameters).toBe(61);
    for (const run of data.runs) {
      expect(run.diverged).toBeNull();
      expect(run.gradientNorm!).toBeLessThan(run.phase1GradientNorm!);
      expect(run.minimalRatio!).toBeGreaterThanOrEqual(0);
      expect(run.minimalRatio!).toBeLessThanOrEqual(1);
      expect(run.eigenvalues).toHaveLength(61);
      expect(run.minEigenvalue).toBe(run.eigenvalues![0]);
      expect(run.stop === 'threshold').toBe(run.gradientNorm! < data.setup.phase2.gradientThreshold);
    }
    expect(new Set(data.runs.map((r) => r.seed)).size).toBe(3);
  });
});
