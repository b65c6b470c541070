import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../pipeline/src/backend.ts';
import { symmetricEigenvalues } from '../pipeline/src/eigen.ts';
import { flattenParams, gradientOf, hessianVectorProduct, unflatten } from '../pipeline/src/hessian.ts';
import { alphaGrid, interpolate } from '../pipeline/src/interpolate.ts';
import { initMlp, layerSizes, mlp, type Activation, type MlpSpec } from '../pipeline/src/mlp.ts';
import { createRng } from '../pipeline/src/random.ts';
import { probabilityJacobians, sensitivity } from '../pipeline/src/sensitivity.ts';
import { crossEntropyLoss, exp, logSumExp, powerIteration, topHessianEigenvalue } from '../pipeline/src/sharpness.ts';
import { act, actPrime, fromEigenvalues, matVec, randomVector, relativeError } from './linear-algebra64.ts';

// ---- float64 reference, no tfjs: MLP forward pass, softmax, cross-entropy and its hand-written backprop ----


interface Layer {
  nIn: number;
  nOut: number;
  /** offset of W (row-major [nIn, nOut]) in θ; b follows it */
  w: number;
}

function layout(spec: MlpSpec): Layer[] {
  const sizes = layerSizes(spec);
  let offset = 0;
  return sizes.slice(1).map((nOut, l) => {
    const layer = { nIn: sizes[l]!, nOut, w: offset };
    offset += sizes[l]! * nOut + nOut;
    return layer;
  });
}

/** Pre-activations and layer inputs of one sample. */
function forward64(spec: MlpSpec, theta: Float64Array, input: ArrayLike<number>): { inputs: Float64Array[]; pre: Float64Array[] } {
  const layers = layout(spec);
  const inputs: Float64Array[] = [Float64Array.from(input)];
  const pre: Float64Array[] = [];
  layers.forEach(({ nIn, nOut, w }, l) => {
    const z = new Float64Array(nOut);
    for (let o = 0; o < nOut; o++) {
      let sum = theta[w + nIn * nOut + o]!;
      for (let i = 0; i < nIn; i++) sum += inputs[l]![i]! * theta[w + i * nOut + o]!;
      z[o] = sum;
    }
    pre.push(z);
    inputs.push(l < layers.length - 1 ? z.map((v) => act(spec.activation, v)) : z);
  });
  return { inputs, pre };
}

function softmax64(z: Float64Array): Float64Array {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

interface CeProblem {
  spec: MlpSpec;
  theta: Float64Array;
  /** row-major [samples, inputs], float32-representable */
  x: Float64Array;
  labels: Int32Array;
}

/** Mean softmax cross-entropy and its gradient in θ. */
function crossEntropy64({ spec, theta, x, labels }: CeProblem): { loss: number; gradient: Float64Array } {
  const layers = layout(spec);
  const gradient = new Float64Array(theta.length);
  const samples = labels.length;
  let loss = 0;
  for (let s = 0; s < samples; s++) {
    const { inputs, pre } = forward64(spec, theta, x.subarray(s * spec.inputs, (s + 1) * spec.inputs));
    const p = softmax64(inputs[layers.length]!);
    loss -= Math.log(p[labels[s]!]!) / samples;
    let dz = p.map((v, c) => (v - (c === labels[s] ? 1 : 0)) / samples);
    for (let l = layers.length - 1; l >= 0; l--) {
      const { nIn, nOut, w } = layers[l]!;
      const dh = new Float64Array(nIn);
      for (let o = 0; o < nOut; o++) {
        gradient[w + nIn * nOut + o]! += dz[o]!;
        for (let i = 0; i < nIn; i++) {
          gradient[w + i * nOut + o]! += inputs[l]![i]! * dz[o]!;
          dh[i]! += theta[w + i * nOut + o]! * dz[o]!;
        }
      }
      if (l > 0) dz = dh.map((v, i) => v * actPrime(spec.activation, pre[l - 1]![i]!));
    }
  }
  return { loss, gradient };
}

/** H·v by central differences of the float64 gradient along v. */
function referenceHvp(problem: CeProblem, v: Float64Array, step = 1e-5): Float64Array {
  const at = (delta: number): Float64Array =>
    crossEntropy64({ ...problem, theta: problem.theta.map((t, i) => t + delta * v[i]!) }).gradient;
  const [plus, minus] = [at(step), at(-step)];
  return plus.map((g, i) => (g - minus[i]!) / (2 * step));
}

function makeCeProblem(activation: Activation, seed = 11): CeProblem {
  const spec: MlpSpec = { inputs: 2, hidden: [4], outputs: 3, activation };
  const rng = createRng(seed);
  const params = initMlp(spec, rng);
  const flat = flattenParams(params);
  // Larger weights than the init, so the Hessian is not dominated by one near-linear regime.
  const theta = Float64Array.from(flat.dataSync(), (v) => Math.fround(2 * v));
  tf.dispose([...params, flat]);
  const x = Float64Array.from({ length: 16 }, () => Math.fround(rng.uniform(-2, 2)));
  const labels = Int32Array.from({ length: 8 }, () => rng.int(3));
  return { spec, theta, x, labels };
}

function toTf(problem: CeProblem) {
  const x = tf.tensor2d(Float32Array.from(problem.x), [problem.labels.length, problem.spec.inputs]);
  const labels = tf.tensor1d(problem.labels, 'int32');
  const theta = tf.tensor1d(Float32Array.from(problem.theta));
  return { loss: crossEntropyLoss(problem.spec, x, labels), theta, dispose: () => tf.dispose([x, labels, theta]) };
}

beforeAll(async () => {
  await selectBackend('cpu');
});

// ---- 1. interpolation ----

describe('interpolate', () => {
  const rng = createRng(3);
  const theta1 = Float32Array.from({ length: 50 }, () => rng.normal());
  const theta2 = Float32Array.from({ length: 50 }, () => rng.normal());

  it('gives θ₁ at α = 0 and θ₂ at α = 1 exactly', () => {
    expect(interpolate(theta1, theta2, 0)).toEqual(theta1);
    expect(interpolate(theta1, theta2, 1)).toEqual(theta2);
    expect(interpolate(theta1, theta2, 0)).not.toBe(theta1);
  });

  it('is (1 − α)θ₁ + αθ₂, affine in α, extrapolating outside [0, 1]', () => {
    for (const alpha of [-1, -0.3, 0.25, 0.5, 1.7, 2]) {
      const got = interpolate(theta1, theta2, alpha);
      got.forEach((v, i) => expect(v).toBeCloseTo((1 - alpha) * theta1[i]! + alpha * theta2[i]!, 5));
    }
    // θ(α) − θ₁ = α(θ₂ − θ₁): the midpoint of θ(−1) and θ(2) is θ(0.5)
    const [a, b, mid] = [interpolate(theta1, theta2, -1), interpolate(theta1, theta2, 2), interpolate(theta1, theta2, 0.5)];
    mid.forEach((v, i) => expect(v).toBeCloseTo((a[i]! + b[i]!) / 2, 5));
  });

  it('rejects vectors of different lengths and a non-finite α', () => {
    expect(() => interpolate(theta1, theta2.subarray(1), 0.5)).toThrow(/different lengths/);
    expect(() => interpolate(theta1, theta2, Number.NaN)).toThrow(/finite/);
  });
});

describe('alphaGrid', () => {
  it('spans [from, to] evenly with exact ends and contains 0 and 1 on the −1..2 grid of 31', () => {
    const grid = alphaGrid(-1, 2, 31);
    expect(grid).toHaveLength(31);
    expect(grid[0]).toBe(-1);
    expect(grid[30]).toBe(2);
    expect(grid[10]).toBe(0);
    expect(grid[20]).toBeCloseTo(1, 14);
    for (let i = 1; i < grid.length; i++) expect(grid[i]! - grid[i - 1]!).toBeCloseTo(0.1, 12);
  });

  it('rejects a reversed or empty range and fewer than two points', () => {
    expect(() => alphaGrid(2, -1, 31)).toThrow(/reversed/);
    expect(() => alphaGrid(1, 1, 31)).toThrow(/reversed/);
    expect(() => alphaGrid(-1, 2, 1)).toThrow(/at least 2/);
    expect(() => alphaGrid(-1, 2, 2.5)).toThrow(/at least 2/);
  });
});

// ---- 2. sensitivity ----

describe('sensitivity', () => {
  it('matches central differences of a float64 forward pass on a small MLP', () => {
    // Jacobians of softmax(MLP(x)) by tfjs (float32) vs central differences of the same
    // network evaluated in float64 plain JS (step 1e-5, truncation error ~1e-10).
    const problem = makeCeProblem('tanh', 5);
    const { spec, theta } = problem;
    const samples = problem.labels.length;
    const params = unflatten(tf.tensor1d(Float32Array.from(theta)), spec);
    const model = (x: tf.Tensor2D) => mlp(params, x, spec.activation);
    const x = tf.tensor2d(Float32Array.from(problem.x), [samples, spec.inputs]);
    const jac = probabilityJacobians(model, x);
    expect(jac.shape).toEqual([samples, spec.outputs, spec.inputs]);
    const got = jac.dataSync();
    const expected = new Float64Array(got.length);
    const norms: number[] = [];
    const step = 1e-5;
    for (let s = 0; s < samples; s++) {
      let sq = 0;
      for (let i = 0; i < spec.inputs; i++) {
        const probs = (delta: number) => {
          const input = Float64Array.from(problem.x.subarray(s * spec.inputs, (s + 1) * spec.inputs));
          input[i]! += delta;
          return softmax64(forward64(spec, theta, input).inputs.at(-1)!);
        };
        const [plus, minus] = [probs(step), probs(-step)];
        for (let c = 0; c < spec.outputs; c++) {
          const d = (plus[c]! - minus[c]!) / (2 * step);
          expected[(s * spec.outputs + c) * spec.inputs + i] = d;
          sq += d * d;
        }
      }
      norms.push(Math.sqrt(sq));
    }
    expect(relativeError(got, expected)).toBeLessThan(1e-5);
    const mean = norms.reduce((a, b) => a + b, 0) / samples;
    expect(Math.abs(sensitivity(model, x) - mean) / mean).toBeLessThan(1e-5);
    tf.dispose([...params, x, jac]);
  });

  it('equals the closed form (diag(p) − ppᵀ)W for a linear model', () => {
    const rng = createRng(21);
    const [inputs, classes, samples] = [5, 4, 6];
    const w = Float64Array.from({ length: inputs * classes }, () => Math.fround(rng.normal()));
    const b = Float64Array.from({ length: classes }, () => Math.fround(rng.normal()));
    const xs = Float64Array.from({ length: samples * inputs }, () => Math.fround(rng.normal()));
    const [wt, bt, xt] = [
      tf.tensor2d(Float32Array.from(w), [inputs, classes]),
      tf.tensor1d(Float32Array.from(b)),
      tf.tensor2d(Float32Array.from(xs), [samples, inputs]),
    ];
    const model = (x: tf.Tensor2D) => tf.add(tf.matMul(x, wt), bt) as tf.Tensor2D;
    let total = 0;
    for (let s = 0; s < samples; s++) {
      const z = Float64Array.from({ length: classes }, (_, c) => {
        let sum = b[c]!;
        for (let i = 0; i < inputs; i++) sum += xs[s * inputs + i]! * w[i * classes + c]!;
        return sum;
      });
      const p = softmax64(z);
      let sq = 0;
      for (let c = 0; c < classes; c++) {
        for (let i = 0; i < inputs; i++) {
          // J_ci = Σ_k (p_c δ_ck − p_c p_k) W_ik
          let j = 0;
          for (let k = 0; k < classes; k++) j += ((c === k ? p[c]! : 0) - p[c]! * p[k]!) * w[i * classes + k]!;
          sq += j * j;
        }
      }
      total += Math.sqrt(sq);
    }
    const closedForm = total / samples;
    expect(Math.abs(sensitivity(model, xt) - closedForm) / closedForm).toBeLessThan(1e-5);
    tf.dispose([wt, bt, xt]);
  });

  it('leaks no tensors and rejects an empty batch', () => {
    const spec: MlpSpec = { inputs: 3, hidden: [5], outputs: 4, activation: 'relu' };
    const params = initMlp(spec, createRng(1));
    const x = tf.randomNormal([7, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
    const model = (input: tf.Tensor2D) => mlp(params, input, spec.activation);
    sensitivity(model, x);
    const before = tf.memory().numTensors;
    expect(sensitivity(model, x)).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    const empty = tf.zeros([0, 3]) as tf.Tensor2D;
    expect(() => sensitivity(model, empty)).toThrow(/at least one sample/);
    tf.dispose([...params, x, empty]);
  });
});

// ---- 3. sharpness ----

describe('powerIteration', () => {
  const options = { iterations: 2000, tolerance: 1e-12, seed: 4 };
  const run = (lambdas: number[]) => {
    const a = fromEigenvalues(lambdas, createRng(8));
    return powerIteration((v) => matVec(a, v), lambdas.length, options);
  };

  it('finds the top eigenvalue of a known symmetric matrix', () => {
    const r = run([5, 3, 1, -2, 0.5, 4]);
    expect(r.converged).toBe(true);
    expect(r.value).toBeCloseTo(5, 8);
  });

  it('returns the eigenvalue of largest magnitude with its sign when it is negative', () => {
    const r = run([-5, 3, 1, 0.5, 4]);
    expect(r.converged).toBe(true);
    expect(r.value).toBeCloseTo(-5, 8);
  });

  it('reports non-convergence within too few iterations, and validates its options', () => {
    const r = powerIteration((v) => matVec(fromEigenvalues([1, 0.999, 0.5], createRng(8)), v), 3, { iterations: 3, tolerance: 1e-12, seed: 4 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(() => powerIteration((v) => v, 3, { iterations: 0, tolerance: 1e-6, seed: 1 })).toThrow(/iterations/);
    expect(() => powerIteration((v) => v, 3, { iterations: 5, tolerance: 0, seed: 1 })).toThrow(/tolerance/);
  });
});

describe('second-order-safe cross-entropy', () => {
  const d2 = (f: (x: tf.Tensor) => tf.Tensor, at: number): number =>
    tf.tidy(() => {
      const g = (h: (x: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.sum(h(y)))(x);
      return g(g(f))(tf.scalar(at)).dataSync()[0]!;
    });

  it('has exact second derivatives through the custom exp and tf.log (tf.exp is wrong)', () => {
    const x0 = 0.7;
    const want = Math.exp(x0) * (x0 * x0 + 4 * x0 + 2); // d²/dx² x²eˣ
    expect(Math.abs(d2((y) => tf.mul(exp(y), tf.square(y)), x0) - want) / want).toBeLessThan(1e-6);
    // the trap, measured: tfjs 4.22's exp gradient reuses its saved output
    expect(Math.abs(d2((y) => tf.mul(tf.exp(y), tf.square(y)), x0) - want) / want).toBeGreaterThan(0.05);
    const logWant = (2 - 2 * x0 * x0) / (1 + x0 * x0) ** 2; // d²/dx² log(1 + x²)
    expect(Math.abs(d2((y) => tf.log(tf.add(tf.square(y), 1)), x0) - logWant) / Math.abs(logWant)).toBeLessThan(1e-5);
  });

  it('computes log-sum-exp stably, with a softmax gradient', () => {
    const z = tf.tensor2d([[1000, 1001, 999], [-3, 0.5, 2]]);
    const lse = logSumExp(z).arraySync();
    const ref = [[1000, 1001, 999], [-3, 0.5, 2]].map((r) => Math.max(...r) + Math.log(r.reduce((s, v) => s + Math.exp(v - Math.max(...r)), 0)));
    lse.forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 3));
    const grad = tf.grad((t: tf.Tensor) => tf.sum(logSumExp(t as tf.Tensor2D)))(z);
    const soft = tf.softmax(z);
    expect(relativeError(grad.dataSync(), soft.dataSync())).toBeLessThan(1e-6);
    tf.dispose([z, grad, soft]);
  });

  it('has the value and gradient of the float64 reference', () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const problem = makeCeProblem(activation);
      const { loss, theta, dispose } = toTf(problem);
      const ref = crossEntropy64(problem);
      const value = tf.tidy(() => loss(theta).dataSync()[0]!);
      expect(Math.abs(value - ref.loss) / ref.loss).toBeLessThan(1e-6);
      const g = gradientOf(loss, theta);
      expect(relativeError(g.dataSync(), ref.gradient)).toBeLessThan(1e-5);
      g.dispose();
      dispose();
    }
  });

  it('has Hessian-vector products that match float64 differences of the float64 gradient (rel. error < 1e-3)', () => {
    const errors: Record<string, number[]> = {};
    for (const activation of ['tanh', 'relu'] as const) {
      const problem = makeCeProblem(activation);
      const { loss, theta, dispose } = toTf(problem);
      const rng = createRng(99);
      errors[activation] = [];
      for (let k = 0; k < 4; k++) {
        const v = randomVector(problem.theta.length, rng);
        const vt = tf.tensor1d(Float32Array.from(v));
        const hv = hessianVectorProduct(loss, theta, vt);
        const err = relativeError(hv.dataSync(), referenceHvp(problem, v));
        errors[activation]!.push(err);
        tf.dispose([vt, hv]);
      }
      dispose();
    }
    console.log('HVP relative errors vs float64 FD:', JSON.stringify(errors));
    for (const list of Object.values(errors)) for (const err of list) expect(err).toBeLessThan(1e-3);
  });
});

describe('topHessianEigenvalue', () => {
  it('matches the largest eigenvalue of the float64 finite-difference Hessian and leaks no tensors', () => {
    const problem = makeCeProblem('tanh');
    const { loss, theta, dispose } = toTf(problem);
    const n = problem.theta.length;
    const h = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      const e = new Float64Array(n);
      e[j] = 1;
      referenceHvp(problem, e).forEach((v, i) => (h[i * n + j] = v));
    }
    const sym = h.map((_, k) => (h[k]! + h[(k % n) * n + Math.floor(k / n)]!) / 2);
    const eigen = symmetricEigenvalues(sym, n);
    const dominant = eigen.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
    const before = tf.memory().numTensors;
    const r = topHessianEigenvalue(loss, theta, { iterations: 500, tolerance: 1e-6, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.converged).toBe(true);
    expect(Math.abs(r.value - dominant) / Math.abs(dominant)).toBeLessThan(1e-3);
    dispose();
  });

  it('leaves no tensors behind in crossEntropyLoss and its HVP', () => {
    const problem = makeCeProblem('relu');
    const { loss, theta, dispose } = toTf(problem);
    const v = tf.onesLike(theta);
    const once = () => {
      tf.tidy(() => {
        loss(theta);
      });
      hessianVectorProduct(loss, theta, v).dispose();
    };
    const counts: number[] = [];
    for (let k = 0; k < 3; k++) {
      once();
      counts.push(tf.memory().numTensors);
    }
    // stable from the first call on: nothing accumulates per evaluation
    expect(counts[2]).toBe(counts[1]);
    expect(counts[1]).toBe(counts[0]);
    v.dispose();
    dispose();
    expect(() => crossEntropyLoss(problem.spec, tf.zeros([3, 2]) as tf.Tensor2D, tf.tensor1d([0, 1], 'int32'))).toThrow(/one label per sample/);
  });
});
