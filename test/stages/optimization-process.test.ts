/**
 * The optimization-process stage for real: a bad config stops the CLI
 * before training, runOne leaks no tensors, and a tiny run through the CLI
 * writes every run's trajectory, one PCA per scope and the error surface,
 * the same on one worker thread as on two.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../../pipeline/src/core/artifact.ts';
import { loadConfig } from '../../pipeline/src/core/config.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { runOne } from '../../pipeline/src/stages/optimization-process/run.ts';
import { configSchema, type OptimizationProcessData, spec as optimizationProcess } from '../../pipeline/src/stages/optimization-process/spec.ts';
import { runCli, tempDir, tinyConfig } from '../helpers/helpers.ts';

const edit = (edits: Record<string, unknown>) => tinyConfig('optimization-process', edits);

describe('optimization-process config errors', () => {
  it('stop the CLI with exit code 2 before training', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'optimization-process.yaml'), edit({ layer: 7 }));
    const r = runCli(['optimization-process'], { HW1_CONFIG_DIR: dir, HW1_ARTIFACTS_DIR: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/layer: no layer 7/);
    expect(r.stdout).not.toMatch(/backend|run 1\//);
  });
});

describe('optimization-process runOne', () => {
  it('leaves no tensors behind across runs', async () => {
    await selectBackend('wasm');
    const file = join(tempDir(), 'optimization-process.yaml');
    writeFileSync(file, edit({ trainingPoints: 32, batchSize: 16, epochs: 3, hidden: [4, 4] }));
    const config = loadConfig(file, configSchema, 'full').config;
    const counts: number[] = [];
    for (const seed of [1, 2, 3, 4]) {
      const r = runOne(config, { seed, label: '' }, () => {});
      expect(r.finalLoss).not.toBeNull();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
  });
});

describe('optimization-process stage, tiny run', () => {
  const configDir = tempDir();
  const tiny = edit({ seeds: [1, 2, 3], trainingPoints: 96, batchSize: 32, epochs: 12, hidden: [8, 8], layer: 2, recordEvery: 3, 'surface.resolution': 6 });
  let data: OptimizationProcessData;
  let stdout: string;

  const run = (workers: string) => {
    const artifacts = tempDir();
    const r = runCli(['optimization-process'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_WORKERS: workers });
    if (r.status !== 0) throw new Error(`stage failed:\n${r.stdout}\n${r.stderr}`);
    const artifact = readArtifact(
      join(artifacts, 'optimization-process/artifact.json'),
      'optimization-process',
      optimizationProcess.schemaVersion,
      optimizationProcess.dataSchema,
    );
    return { data: artifact.data, stdout: r.stdout };
  };

  beforeAll(() => {
    writeFileSync(join(configDir, 'optimization-process.yaml'), tiny);
    ({ data, stdout } = run('2'));
  });

  it('writes an artifact that validates, with every run finished and its loss falling', () => {
    expect(stdout).toMatch(/run 3\/3 seed 3: 36 steps, 5 snapshots, training loss/);
    expect(data.runs.map((r) => r.seed)).toEqual([1, 2, 3]);
    for (const r of data.runs) {
      expect(r.diverged).toBeNull();
      expect(r.iterations.loss).toHaveLength(12 * 3);
      expect(r.iterations.gradientNorm).toHaveLength(12 * 3);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(mean(r.iterations.loss.slice(-3))).toBeLessThan(mean(r.iterations.loss.slice(0, 3)));
    }
  });

  it('projects every run’s snapshots with one PCA per scope', () => {
    for (const r of data.runs) {
      expect(r.snapshotEpochs).toEqual([0, 3, 6, 9, 12]);
      for (const scope of [r.model, r.layer]) {
        expect(scope!.x).toHaveLength(5);
        expect(scope!.y).toHaveLength(5);
      }
    }
    for (const ratio of [data.pca.model!, data.pca.layer!]) {
      expect(ratio[0]).toBeGreaterThanOrEqual(ratio[1]);
      expect(ratio[0] + ratio[1]).toBeLessThanOrEqual(1 + 1e-9);
    }
    expect(data.training.layer).toEqual({ index: 2, name: 'W2, b2', parameters: 8 * 8 + 8 });
    expect(data.training.parameters).toBe(16 + 72 + 9);
  });

  it('computes the surface around the first run’s solution with its trajectory on the plane', () => {
    const s = data.surface!;
    expect(s.seed).toBe(1);
    expect(s.alpha).toHaveLength(6);
    expect(s.loss).toHaveLength(6);
    expect(s.loss.every((row) => row.length === 6)).toBe(true);
    // The plane passes through the trained parameters: the trajectory ends at its origin, at the final loss.
    expect(s.trajectory.alpha.at(-1)).toBeCloseTo(0, 5);
    expect(s.trajectory.beta.at(-1)).toBeCloseTo(0, 5);
    expect(s.trajectory.loss.at(-1)).toBeCloseTo(data.runs[0]!.finalLoss!, 6);
    expect(s.trajectory.loss.at(-1)!).toBeLessThan(s.trajectory.loss[0]!);
  });

  it('gives the same artifact data on one worker', () => {
    expect(run('1').data).toEqual(data);
  });
});
