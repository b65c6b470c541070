/**
 * 1-2 "What happens when the gradient is almost zero": the float64 MLP
 * Hessian, the critical-point solver, config errors and a tiny real run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../pipeline/src/artifact.ts';
import { selectBackend } from '../pipeline/src/backend.ts';
import { solvePositiveDefinite } from '../pipeline/src/cholesky.ts';
import { ConfigError, loadConfig } from '../pipeline/src/config.ts';
import { findCriticalPoint, norm, type CriticalPointOptions, type Objective } from '../pipeline/src/critical-point.ts';
import { minimalRatio, symmetricEigenvalues } from '../pipeline/src/eigen.ts';
import { hessian, mlpLoss } from '../pipeline/src/hessian.ts';
import { mlpObjective64 } from '../pipeline/src/mlp-float64.ts';
import { parameterCount, type Activation, type MlpSpec } from '../pipeline/src/mlp.ts';
import { createRng } from '../pipeline/src/random.ts';
import { runOne } from '../pipeline/src/stages/minimal-ratio.ts';
import { configSchema, minimalRatioStage, type MinimalRatioConfig } from '../pipeline/src/stages/minimal-ratio.schema.ts';
import { root, runCli, tempDir } from './helpers.ts';

const configText = readFileSync(join(root, 'content/experiments/minimal-ratio.yaml'), 'utf8');

/** The real config cut down to a few seconds of work, quick profile removed. */
const tinyConfig = configText
  .replace(/\nprofiles:[\s\S]*$/, '\n')
  .replace(/^runs: \d+/m, 'runs: 3')
  .replace(/^ {2}epochs: \d+/m, '  epochs: 300')
  .replace(/^ {2}maxSteps: \d+/m, '  maxSteps: 40');

function load(text: string): MinimalRatioConfig {
  const file = join(tempDir(), 'minimal-ratio.yaml');
  writeFileSync(file, text);
  return loadConfig(file, configSchema, 'full', 'exp.yaml').config;
}

function configError(text: string): ConfigError {
  try {
    load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('minimal-ratio config', () => {
  it('accepts the real config in both profiles', () => {
    const file = join(tempDir(), 'minimal-ratio.yaml');
    writeFileSync(file, configText);
    expect(loadConfig(file, configSchema, 'full').config.runs).toBe(100);
    expect(loadConfig(file, configSchema, 'quick').config.runs).toBeLessThan(100);
  });

  it.each([
    ['zero runs', /^runs: 100$/m, 'runs: 0', /runs: /],
    ['a threshold that is not positive', /gradientThreshold: \S+/, 'gradientThreshold: 0', /phase2\.gradientThreshold: /],
    ['a negative eigenvalue tolerance', /^eigenvalueTolerance: \S+/m, 'eigenvalueTolerance: -1.0e-6', /eigenvalueTolerance: /],
    ['a damping factor of 1', /dampingIncrease: \S+/, 'dampingIncrease: 1', /phase2\.dampingIncrease: /],
    ['an unknown target', /^target: sinc/m, 'target: cosh', /target: /],
    ['no hidden layer', /^hidden: \[6, 6\]/m, 'hidden: []', /hidden: /],
  ])('rejects %s', (_, pattern, replacement, message) => {
    const text = configText.replace(pattern, replacement);
    expect(text).not.toBe(configText);
    expect(configError(text).message).toMatch(message);
  });

  it('stops the CLI with exit code 2 before any training', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'minimal-ratio.yaml'), configText.replace(/^runs: 100$/m, 'runs: 0'));
    const r = runCli(['minimal-ratio'], { HW1_CONFIG_DIR: dir, HW1_ARTIFACTS_DIR: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/runs: /);
    expect(r.stdout).not.toMatch(/backend|run 1\//);
  });
});

describe('Cholesky solve', () => {
  it('solves a positive definite system and refuses an indefinite one', () => {
    const a = Float64Array.of(4, 2, 0, 2, 5, 1, 0, 1, 3);
    const x = Float64Array.of(1, -2, 0.5);
    const b = Float64Array.of(4 * 1 + 2 * -2, 2 * 1 + 5 * -2 + 0.5, -2 + 1.5);
    const solved = solvePositiveDefinite(a, b)!;
    for (let i = 0; i < 3; i++) expect(solved[i]).toBeCloseTo(x[i]!, 12);
    expect(solvePositiveDefinite(Float64Array.of(1, 0, 0, -1), Float64Array.of(1, 1))).toBeNull();
  });
});

/** f(x, y) = x² − y² + (x⁴ + y⁴)/10: a saddle at 0 (Hessian diag(2, −2)), minima at (0, ±√5). */
const quartic: Objective = {
  size: 2,
  loss: ([x, y]) => x! ** 2 - y! ** 2 + (x! ** 4 + y! ** 4) / 10,
  gradient: ([x, y]) => Float64Array.of(2 * x! + 0.4 * x! ** 3, -2 * y! + 0.4 * y! ** 3),
  hessian: ([x, y]) => Float64Array.of(2 + 1.2 * x! ** 2, 0, 0, -2 + 1.2 * y! ** 2),
};
const solverOptions: CriticalPointOptions = { gradientThreshold: 1e-12, maxSteps: 100, initialDamping: 1e-3, dampingIncrease: 4, dampingDecrease: 1.5, maxDamping: 1e12 };

describe('critical point by Levenberg–Marquardt on ‖∇f‖²', () => {
  it('converges to the saddle of a quartic, where the minimal ratio is 0.5', () => {
    const found = findCriticalPoint(quartic, Float64Array.of(0.4, -0.3), solverOptions);
    expect(found.stop).toBe('threshold');
    expect(found.gradientNorm).toBeLessThan(1e-12);
    expect(Math.abs(found.theta[0]!)).toBeLessThan(1e-10);
    expect(Math.abs(found.theta[1]!)).toBeLessThan(1e-10);
    expect(minimalRatio(symmetricEigenvalues(quartic.hessian(found.theta), 2), 1e-6)).toBe(0.5);
    // Near a minimum it finds the minimum: ratio 1.
    const minimum = findCriticalPoint(quartic, Float64Array.of(0.2, 2), solverOptions);
    expect(minimum.theta[1]).toBeCloseTo(Math.sqrt(5), 10);
    expect(minimalRatio(symmetricEigenvalues(quartic.hessian(minimum.theta), 2), 1e-6)).toBe(1);
  });

  it('records the step limit when it is hit', () => {
    const found = findCriticalPoint(quartic, Float64Array.of(0.4, -0.3), { ...solverOptions, maxSteps: 2 });
    expect(found.stop).toBe('step-limit');
    expect(found.steps).toBe(2);
    expect(found.gradientNorm).toBeLessThan(norm(quartic.gradient(Float64Array.of(0.4, -0.3))));
  });

  it('reports a non-finite gradient as divergence', () => {
    const found = findCriticalPoint({ ...quartic, gradient: () => Float64Array.of(NaN, 0) }, Float64Array.of(1, 1), solverOptions);
    expect(found.stop).toBe('diverged');
    expect(found.nonFinite).toEqual({ step: 0, value: 'NaN' });
  });
});

describe('float64 MLP objective', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each<Activation>(['tanh', 'relu'])('%s: loss, gradient and Hessian agree with tfjs and with float64 differences', (activation) => {
    const spec: MlpSpec = { inputs: 1, hidden: [4, 3], outputs: 1, activation };
    const rng = createRng(11);
    const xs = Array.from({ length: 16 }, () => rng.next());
    const ys = xs.map((x) => Math.sin(6 * x));
    const n = parameterCount(spec);
    const theta = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const objective = mlpObjective64(spec, xs, ys);

    // Gradient and Hessian against central differences of the float64 loss and gradient.
    const eps = 1e-6;
    const g = objective.gradient(theta);
    const h = objective.hessian(theta);
    for (let j = 0; j < n; j++) {
      const plus = Float64Array.from(theta);
      const minus = Float64Array.from(theta);
      plus[j]! += eps;
      minus[j]! -= eps;
      expect(g[j]).toBeCloseTo((objective.loss(plus) - objective.loss(minus)) / (2 * eps), 7);
      const gp = objective.gradient(plus);
      const gm = objective.gradient(minus);
      for (let i = 0; i < n; i++) expect(h[i * n + j]).toBeCloseTo((gp[i]! - gm[i]!) / (2 * eps), 5);
    }

    // Against the tfjs reverse-over-reverse Hessian of hessian.ts (float32).
    const x = tf.tensor2d(xs, [xs.length, 1]);
    const y = tf.tensor2d(ys, [ys.length, 1]);
    const t = tf.tensor1d(Float32Array.from(theta));
    const reference = hessian(mlpLoss(spec, x, y), t);
    tf.dispose([x, y, t]);
    const scale = Math.max(...reference.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(h[i]! - reference[i]!));
    expect(worst / scale).toBeLessThan(1e-4);
  });
});

describe('minimal-ratio runs', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('leaks no tensors across runs', async () => {
    await selectBackend('wasm');
    const config = load(tinyConfig.replace(/^ {2}epochs: \d+/m, '  epochs: 20').replace(/^ {2}maxSteps: \d+/m, '  maxSteps: 3'));
    const counts: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const r = runOne(config, { run: i, seed: i }, () => {});
      expect(r.diverged).toBeNull();
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts).size).toBe(1);
  });

  it('runs through the CLI: a valid artifact, gradients driven down, ratios in [0, 1]', () => {
    const configDir = tempDir();
    const artifacts = tempDir();
    writeFileSync(join(configDir, 'minimal-ratio.yaml'), tinyConfig);
    const r = runCli(['minimal-ratio'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/run 1\/3: ‖∇L‖ \S+ → \S+ in \d+ steps/);
    const { data, manifest } = readArtifact(join(artifacts, 'minimal-ratio/artifact.json'), 'minimal-ratio', minimalRatioStage.schemaVersion, minimalRatioStage.dataSchema);
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
