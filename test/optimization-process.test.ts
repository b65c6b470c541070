/**
 * 1-2 "Visualize the optimization process": PCA and the error surface against
 * closed forms, the recording training loop (gradient norm, snapshots, no
 * leaks, divergence), config errors, and a tiny real run of the stage.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../pipeline/src/artifact.ts';
import { selectBackend } from '../pipeline/src/backend.ts';
import { ConfigError, loadConfig } from '../pipeline/src/config.ts';
import { flattenParams, gradientOf, mlpLoss } from '../pipeline/src/hessian.ts';
import { initMlp, mlp, type MlpSpec } from '../pipeline/src/mlp.ts';
import { dot, pca2 } from '../pipeline/src/pca.ts';
import { createRng } from '../pipeline/src/random.ts';
import { runOne } from '../pipeline/src/stages/optimization-process.ts';
import { configSchema, optimizationProcess, type OptimizationProcessData } from '../pipeline/src/stages/optimization-process.schema.ts';
import { axisAround, lossSurface, projectOntoPlane } from '../pipeline/src/surface.ts';
import { trainWithTrajectory, type TrajectoryOptions } from '../pipeline/src/trajectory.ts';
import { gradientNormFigure, surfaceFigure, trajectoryFigure } from '../site/src/lib/optimization-process.ts';
import { root, runCli, tempDir } from './helpers.ts';

/** Two orthonormal vectors in R^d from a seeded generator (Gram–Schmidt). */
function orthonormalPair(d: number, seed: number): [Float64Array, Float64Array] {
  const rng = createRng(seed);
  const u = Float64Array.from({ length: d }, () => rng.normal());
  const v = Float64Array.from({ length: d }, () => rng.normal());
  const nu = Math.sqrt(dot(u, u));
  u.forEach((x, i) => (u[i] = x / nu));
  const uv = dot(u, v);
  v.forEach((x, i) => (v[i] = x - uv * u[i]!));
  const nv = Math.sqrt(dot(v, v));
  v.forEach((x, i) => (v[i] = x / nv));
  return [u, v];
}

describe('pca2', () => {
  it('recovers points on a known plane: all variance in two components, distances kept', () => {
    const d = 6;
    const [u, v] = orthonormalPair(d, 1);
    const rng = createRng(2);
    const c = Float64Array.from({ length: d }, () => rng.normal());
    const ab = Array.from({ length: 30 }, () => [3 * rng.normal(), rng.normal()] as const);
    const rows = ab.map(([a, b]) => Float64Array.from(c, (ci, i) => ci + a * u[i]! + b * v[i]!));
    const p = pca2(rows);
    expect(p.explainedVariance[0] + p.explainedVariance[1]).toBeCloseTo(1, 9);
    expect(p.explainedVariance[0]).toBeGreaterThan(p.explainedVariance[1]);
    // The components span the plane of u and v and are orthonormal.
    for (const w of p.components) expect(dot(w, u) ** 2 + dot(w, v) ** 2).toBeCloseTo(1, 9);
    expect(dot(p.components[0], p.components[1])).toBeCloseTo(0, 9);
    // A rotation (and reflection) of the true coordinates: pairwise distances agree.
    for (const [i, j] of [[0, 1], [2, 17], [5, 29]] as const) {
      const truth = Math.hypot(ab[i]![0] - ab[j]![0], ab[i]![1] - ab[j]![1]);
      expect(Math.hypot(p.points[i]![0] - p.points[j]![0], p.points[i]![1] - p.points[j]![1])).toBeCloseTo(truth, 9);
    }
  });

  it('puts points on a line on one component', () => {
    const rows = [0, 1, 2, 5].map((t) => [1 + t, 2 - 2 * t, 3]);
    const p = pca2(rows);
    expect(p.explainedVariance[0]).toBeCloseTo(1, 12);
    expect(p.explainedVariance[1]).toBeCloseTo(0, 12);
    expect([...p.components[1]]).toEqual([0, 0, 0]);
    expect(p.points.map((q) => q[1])).toEqual([0, 0, 0, 0]);
  });

  it('gives the explained variance of a dataset with known covariance', () => {
    // ±3·e1, ±2·e2, ±1·e3: variances 18/5, 8/5, 2/5 along the axes.
    const rows = [[3, 0, 0], [-3, 0, 0], [0, 2, 0], [0, -2, 0], [0, 0, 1], [0, 0, -1]];
    const p = pca2(rows);
    expect(p.explainedVariance[0]).toBeCloseTo(9 / 14, 12);
    expect(p.explainedVariance[1]).toBeCloseTo(4 / 14, 12);
    expect(p.points.map((q) => q.map((x) => Math.round(x * 1e9) / 1e9 + 0))).toEqual([[3, 0], [-3, 0], [0, 2], [0, -2], [0, 0], [0, 0]]);
  });

  it('handles many more dimensions than vectors without a d×d covariance', () => {
    // 200 000² entries would not fit in memory; the SVD of the 12×d matrix does.
    const d = 200_000;
    const [u, v] = orthonormalPair(d, 3);
    const rows = Array.from({ length: 12 }, (_, k) => Float64Array.from(u, (ui, i) => 2 * Math.cos(k) * ui + Math.sin(k) * v[i]!));
    const p = pca2(rows);
    expect(p.explainedVariance[0] + p.explainedVariance[1]).toBeCloseTo(1, 6);
  });

  it('rejects fewer than two vectors or ragged ones', () => {
    expect(() => pca2([[1, 2]])).toThrow(/at least 2 vectors/);
    expect(() => pca2([[1, 2], [1]])).toThrow(/one length/);
  });
});

describe('error surface', () => {
  // L(θ) = Σ λ_i (θ_i − m_i)²: on the plane c + a·u + b·v it is the quadratic
  // L(c) + 2a·Σλ r u + 2b·Σλ r v + a²·Σλu² + 2ab·Σλuv + b²·Σλv², with r = c − m.
  const d = 5;
  const lambda = [1, 2, 3, 0.5, 4];
  const m = [0.3, -1, 2, 0, 1];
  const loss = (t: ArrayLike<number>) => lambda.reduce((s, l, i) => s + l * (t[i]! - m[i]!) ** 2, 0);
  const [u, v] = orthonormalPair(d, 4);
  const center = Float64Array.from([1, 0.5, -0.5, 2, 0]);

  it('matches the closed form of a quadratic loss on the plane', () => {
    const r = m.map((mi, i) => center[i]! - mi);
    const w = (f: (i: number) => number) => lambda.reduce((s, l, i) => s + l * f(i), 0);
    const closed = (a: number, b: number) =>
      loss(center) + 2 * a * w((i) => r[i]! * u[i]!) + 2 * b * w((i) => r[i]! * v[i]!) + a * a * w((i) => u[i]! ** 2) + 2 * a * b * w((i) => u[i]! * v[i]!) + b * b * w((i) => v[i]! ** 2);
    const alpha = [-2, -1, 0, 0.5, 3];
    const beta = [-1, 0, 1.5];
    const s = lossSurface(loss, { center, u, v }, alpha, beta);
    expect(s.loss).toHaveLength(beta.length);
    beta.forEach((b, j) => alpha.forEach((a, i) => expect(s.loss[j]![i]!).toBeCloseTo(closed(a, b), 4)));
  });

  it('has its minimum at the center when the plane passes through the minimiser', () => {
    const axis = axisAround([-1, 1], 21, 0);
    const s = lossSurface(loss, { center: m, u, v }, axis, axis);
    const flat = s.loss.flat();
    expect(flat.indexOf(Math.min(...flat))).toBe(10 * 21 + 10);
    expect(Math.min(...flat)).toBeCloseTo(0, 10);
  });

  it('projects a trajectory onto the plane: in-plane points exactly, the normal part dropped', () => {
    const [n] = orthonormalPair(d, 5).map((w) => {
      // A direction normal to both u and v.
      const x = Float64Array.from(w, (wi, i) => wi - dot(w, u) * u[i]! - dot(w, v) * v[i]!);
      const norm = Math.sqrt(dot(x, x));
      return x.map((xi) => xi / norm);
    });
    const path = [[0.5, -1], [2, 3], [0, 0]].map(([a, b], k) => Float64Array.from(center, (c, i) => c + a! * u[i]! + b! * v[i]! + k * n![i]!));
    const projected = projectOntoPlane({ center, u, v }, path);
    [[0.5, -1], [2, 3], [0, 0]].forEach(([a, b], k) => {
      expect(projected[k]![0]).toBeCloseTo(a!, 10);
      expect(projected[k]![1]).toBeCloseTo(b!, 10);
    });
  });

  it('refuses directions that are not orthonormal', () => {
    expect(() => projectOntoPlane({ center: [0, 0], u: [1, 0], v: [1, 1] }, [[1, 1]])).toThrow(/orthonormal/);
  });

  it('lays the grid axis over the trajectory and the center, with a margin', () => {
    // Values span [1, 3], widened to include 0: [0, 3], plus a quarter of 3 on each side.
    axisAround([1, 3], 5, 0.25).forEach((a, i) => expect(a).toBeCloseTo([-0.75, 0.375, 1.5, 2.625, 3.75][i]!, 12));
  });
});

describe('training with a recorded trajectory', () => {
  const spec: MlpSpec = { inputs: 1, hidden: [6, 5], outputs: 1, activation: 'relu' };
  const model = (p: readonly tf.Tensor[], x: tf.Tensor2D) => mlp(p, x, 'relu');
  const data = () => {
    const xs = Array.from({ length: 40 }, (_, i) => i / 39);
    return { x: tf.tensor2d(xs, [40, 1]), y: tf.tensor2d(xs.map((t) => Math.sin(6 * t)), [40, 1]) };
  };
  const options = (seed: number): TrajectoryOptions => ({ epochs: 7, batchSize: 16, recordEvery: 3, optimizer: 'adam', learningRate: 0.01, shuffle: createRng(seed) });

  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('records snapshots on the cycle and one loss and gradient norm per step', () => {
    const { x, y } = data();
    const initial = initMlp(spec, createRng(1));
    const run = trainWithTrajectory(model, initial, x, y, options(1));
    expect(run.snapshotEpochs).toEqual([0, 3, 6, 7]);
    expect(run.snapshots.map((s) => s.length)).toEqual([4, 4, 4, 4].map(() => 2 * 6 + 6 * 5 + 5 + 5 + 1));
    expect(run.iterationLoss).toHaveLength(7 * 3);
    expect(run.gradientNorm).toHaveLength(7 * 3);
    expect(run.diverged).toBeNull();
    expect([...run.snapshots[0]!]).toEqual([...flattenParams(initial).dataSync()]);
    tf.dispose([x, y, ...initial]);
  });

  it('measures the L2 norm of the full gradient', () => {
    const { x, y } = data();
    const initial = initMlp(spec, createRng(2));
    // One full batch: the first step's gradient is the gradient of the loss at the initial parameters.
    const run = trainWithTrajectory(model, initial, x, y, { ...options(2), batchSize: 40, epochs: 1 });
    const theta = flattenParams(initial);
    const g = gradientOf(mlpLoss(spec, x, y), theta);
    const expected = Math.hypot(...g.dataSync());
    expect(run.gradientNorm[0]!).toBeCloseTo(expected, 5);
    expect(run.iterationLoss[0]!).toBeCloseTo(tf.tidy(() => mlpLoss(spec, x, y)(theta).dataSync()[0]!), 6);
    tf.dispose([x, y, theta, g, ...initial]);
  });

  it('leaves no tensors behind over several runs', () => {
    const { x, y } = data();
    const counts: number[] = [];
    for (let seed = 1; seed <= 4; seed++) {
      const initial = initMlp(spec, createRng(seed));
      trainWithTrajectory(model, initial, x, y, options(seed));
      tf.dispose(initial);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
    tf.dispose([x, y]);
  });

  it('stops a diverging run and keeps only finite values', () => {
    const { x, y } = data();
    const initial = initMlp(spec, createRng(3));
    const run = trainWithTrajectory(model, initial, x, y, { ...options(3), optimizer: 'sgd', learningRate: 1e8, epochs: 50 });
    expect(run.diverged).not.toBeNull();
    expect(run.diverged!.iteration).toBe(run.iterationLoss.length + 1);
    expect([...run.iterationLoss, ...run.gradientNorm].every(Number.isFinite)).toBe(true);
    tf.dispose([x, y, ...initial]);
  });
});

const configText = readFileSync(join(root, 'content/experiments/optimization-process.yaml'), 'utf8');
const withoutProfiles = configText.replace(/\nprofiles:[\s\S]*$/, '\n');
const edit = (edits: Record<string, string>) => {
  let text = withoutProfiles;
  for (const [field, value] of Object.entries(edits)) text = text.replace(new RegExp(`^${field}: .*$`, 'm'), `${field}: ${value}`);
  return text;
};

function configError(text: string): ConfigError {
  const file = join(tempDir(), 'optimization-process.yaml');
  writeFileSync(file, text);
  try {
    loadConfig(file, configSchema, 'full', 'exp.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('optimization-process config', () => {
  it('accepts the real config in both profiles, with 8 runs and a 3-epoch cycle in full', () => {
    const file = join(root, 'content/experiments/optimization-process.yaml');
    const full = loadConfig(file, configSchema, 'full').config;
    expect(full.seeds).toHaveLength(8);
    expect(full.recordEvery).toBe(3);
    expect(loadConfig(file, configSchema, 'quick').config.epochs).toBeLessThan(full.epochs);
  });

  it('rejects a layer that does not exist, zero runs, a non-positive cycle', () => {
    expect(configError(edit({ layer: '4' })).message).toMatch(/exp\.yaml:\d+: layer: no layer 4: the model has dense layers 1 to 3/);
    expect(configError(edit({ layer: '0' })).message).toMatch(/layer: no layer 0/);
    expect(configError(edit({ seeds: '[]' })).message).toMatch(/seeds: expected a list of at least 1 items, got a list of 0/);
    expect(configError(edit({ recordEvery: '0' })).message).toMatch(/recordEvery: expected > 0, got number 0/);
    expect(configError(edit({ recordEvery: '400' })).message).toMatch(/recordEvery: a recording cycle of 400 epochs is longer than/);
  });

  it('stops the CLI with exit code 2 before training', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'optimization-process.yaml'), edit({ layer: '7' }));
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
    writeFileSync(file, edit({ trainingPoints: '32', batchSize: '16', epochs: '3', hidden: '[4, 4]' }));
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
  const tiny = edit({ seeds: '[1, 2, 3]', trainingPoints: '96', batchSize: '32', epochs: '12', hidden: '[8, 8]' })
    .replace(/resolution: \d+/, 'resolution: 6');
  let data: OptimizationProcessData;
  let stdout: string;

  const run = (workers: string) => {
    const artifacts = tempDir();
    const r = runCli(['optimization-process'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_WORKERS: workers });
    if (r.status !== 0) throw new Error(`stage failed:\n${r.stdout}\n${r.stderr}`);
    const artifact = readArtifact(join(artifacts, 'optimization-process/artifact.json'), 'optimization-process', optimizationProcess.schemaVersion, optimizationProcess.dataSchema);
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

describe('optimization-process figures', () => {
  const configDir = tempDir();
  let data: OptimizationProcessData;
  beforeAll(() => {
    writeFileSync(join(configDir, 'optimization-process.yaml'), edit({ seeds: '[1, 2]', trainingPoints: '64', batchSize: '32', epochs: '6', hidden: '[6, 6]' }).replace(/resolution: \d+/, 'resolution: 5'));
    const artifacts = tempDir();
    const r = runCli(['optimization-process'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts });
    if (r.status !== 0) throw new Error(`stage failed:\n${r.stdout}\n${r.stderr}`);
    data = readArtifact(join(artifacts, 'optimization-process/artifact.json'), 'optimization-process', 1, optimizationProcess.dataSchema).data;
  });
  const diverge = (d: OptimizationProcessData, seeds: number[]): OptimizationProcessData => ({
    ...d,
    pca: seeds.length === d.runs.length ? { model: null, layer: null } : d.pca,
    surface: seeds.length === d.runs.length ? null : d.surface,
    runs: d.runs.map((r) => (seeds.includes(r.seed) ? { ...r, diverged: { epoch: 2, iteration: 3, value: 'NaN' as const }, finalLoss: null, model: null, layer: null } : r)),
  });
  const drawn = (svg: string, description: string) => (svg.match(new RegExp(`aria-description="${description}"`, 'g')) ?? []).length;

  it('draws every figure with its marks and captions', () => {
    const e = trajectoryFigure(data, 'layer');
    expect(drawn(e.svg, 'trajectory per run')).toBe(1);
    expect(e.caption).toMatch(/layer 2 \(W2, b2: 42 parameters\).*PC1 explains \d+\.\d% of the variance, PC2 \d+\.\d%/);
    expect(trajectoryFigure(data, 'model').caption).toMatch(/the whole model \(61 parameters\)/);
    const g = gradientNormFigure(data);
    expect(drawn(g.svg, 'median over runs')).toBe(2);
    expect(g.svg.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    const s = surfaceFigure(data);
    expect(drawn(s.svg, 'loss contours')).toBe(1);
    expect(drawn(s.svg, 'trajectory')).toBe(1);
    expect([e, g, s].every((f) => f.notes.length === 0)).toBe(true);
  });

  it('leaves a diverged run out with a notice, and survives every run diverging', () => {
    const one = diverge(data, [2]);
    for (const f of [trajectoryFigure(one, 'layer'), trajectoryFigure(one, 'model'), gradientNormFigure(one), surfaceFigure(one)]) {
      expect(f.notes).toEqual(['Diverged and not drawn: seed 2, NaN at epoch 2 (step 3).']);
      expect(f.svg).not.toContain('seed 2');
    }
    const all = diverge(data, [1, 2]);
    for (const f of [trajectoryFigure(all, 'layer'), gradientNormFigure(all), surfaceFigure(all)]) {
      expect(f.svg).toBe('');
      expect(f.notes.at(-1)).toMatch(/^Every run diverged/);
    }
  });
});
