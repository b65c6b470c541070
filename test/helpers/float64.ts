/**
 * The tests' float64 reference, in plain JavaScript (no tfjs, nothing of the
 * pipeline but types), written once for every test that needs one:
 * - an MLP forward pass (any number of inputs and outputs, ReLU or tanh
 *   between layers, a linear last layer) on the flat parameter vector θ of
 *   nn/params.ts: [W1 row-major (inputs × outputs), b1, W2, b2, …];
 * - the mean squared error and the mean softmax cross-entropy over samples,
 *   each with its gradient in θ by hand-written backpropagation;
 * - gradients, Hessian-vector products and Hessians by central differences;
 * - linear-algebra helpers: relative errors, random vectors, symmetric
 *   matrices with known eigenvalues.
 */
import type { Rng } from '../../pipeline/src/core/random.ts';
import type { Activation, MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';

// ---- the MLP ----

export const act = (a: Activation, z: number): number => (a === 'relu' ? Math.max(z, 0) : Math.tanh(z));
export const actPrime = (a: Activation, z: number): number => (a === 'relu' ? (z > 0 ? 1 : 0) : 1 - Math.tanh(z) ** 2);

/** Where one dense layer's parameters sit in θ. */
export interface LayerSlot {
  inputs: number;
  outputs: number;
  /** Offset of W (row-major [inputs, outputs]); b follows it. */
  weights: number;
  /** Offset of b. */
  biases: number;
}

/** The dense layers of the MLP and their places in θ. */
export function layout(spec: MlpSpec): LayerSlot[] {
  const sizes = [spec.inputs, ...spec.hidden, spec.outputs];
  let offset = 0;
  return sizes.slice(1).map((outputs, l) => {
    const inputs = sizes[l]!;
    const slot = { inputs, outputs, weights: offset, biases: offset + inputs * outputs };
    offset += inputs * outputs + outputs;
    return slot;
  });
}

/** The length of θ. */
export function thetaLength(spec: MlpSpec): number {
  const last = layout(spec).at(-1)!;
  return last.biases + last.outputs;
}

export interface Forward {
  /** The input of every layer; the last entry is the network's output. */
  inputs: Float64Array[];
  /** Every layer's pre-activation. */
  pre: Float64Array[];
}

/** One sample through the MLP, keeping what backpropagation needs. */
export function forward64(spec: MlpSpec, theta: ArrayLike<number>, input: ArrayLike<number>): Forward {
  const layers = layout(spec);
  const inputs: Float64Array[] = [Float64Array.from(input)];
  const pre: Float64Array[] = [];
  layers.forEach(({ inputs: nIn, outputs: nOut, weights, biases }, l) => {
    const z = new Float64Array(nOut);
    for (let o = 0; o < nOut; o++) {
      let sum = theta[biases + o]!;
      for (let i = 0; i < nIn; i++) sum += inputs[l]![i]! * theta[weights + i * nOut + o]!;
      z[o] = sum;
    }
    pre.push(z);
    inputs.push(l < layers.length - 1 ? z.map((v) => act(spec.activation, v)) : z);
  });
  return { inputs, pre };
}

/** The MLP's output for one sample. */
export function output64(spec: MlpSpec, theta: ArrayLike<number>, input: ArrayLike<number>): Float64Array {
  return forward64(spec, theta, input).inputs.at(-1)!;
}

export function softmax64(z: ArrayLike<number>): Float64Array {
  const values = Float64Array.from(z);
  const m = Math.max(...values);
  const e = values.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Adds to `gradient` the gradient in θ of a sample whose loss has derivative `dOutput` in the network's output. */
function backprop(spec: MlpSpec, theta: ArrayLike<number>, f: Forward, dOutput: Float64Array, gradient: Float64Array): void {
  const layers = layout(spec);
  let dz = dOutput;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { inputs: nIn, outputs: nOut, weights, biases } = layers[l]!;
    const dh = new Float64Array(nIn);
    for (let o = 0; o < nOut; o++) {
      gradient[biases + o]! += dz[o]!;
      for (let i = 0; i < nIn; i++) {
        gradient[weights + i * nOut + o]! += f.inputs[l]![i]! * dz[o]!;
        dh[i]! += theta[weights + i * nOut + o]! * dz[o]!;
      }
    }
    if (l > 0) dz = dh.map((v, i) => v * actPrime(spec.activation, f.pre[l - 1]![i]!));
  }
}

export interface LossAndGradient {
  loss: number;
  gradient: Float64Array;
}

/** The sample of row `s` of a row-major [samples, width] array. */
const row = (values: ArrayLike<number>, s: number, width: number): Float64Array => Float64Array.from({ length: width }, (_, i) => values[s * width + i]!);

/**
 * Mean squared error over every output of every sample (tf.mean of the
 * squared differences) and its gradient. `x` is row-major [samples, inputs],
 * `y` row-major [samples, outputs].
 */
export function mse64(spec: MlpSpec, theta: ArrayLike<number>, x: ArrayLike<number>, y: ArrayLike<number>): LossAndGradient {
  const samples = x.length / spec.inputs;
  if (y.length !== samples * spec.outputs) throw new Error(`mse64: ${y.length} targets for ${samples} samples of ${spec.outputs} outputs`);
  const entries = samples * spec.outputs;
  const gradient = new Float64Array(theta.length);
  let loss = 0;
  for (let s = 0; s < samples; s++) {
    const f = forward64(spec, theta, row(x, s, spec.inputs));
    const residual = f.inputs.at(-1)!.map((v, o) => v - y[s * spec.outputs + o]!);
    for (const r of residual) loss += (r * r) / entries;
    backprop(
      spec,
      theta,
      f,
      residual.map((r) => (2 * r) / entries),
      gradient,
    );
  }
  return { loss, gradient };
}

/** Mean softmax cross-entropy over the samples (class indices in `labels`) and its gradient; `x` is row-major [samples, inputs]. */
export function crossEntropy64(spec: MlpSpec, theta: ArrayLike<number>, x: ArrayLike<number>, labels: ArrayLike<number>): LossAndGradient {
  const samples = labels.length;
  if (x.length !== samples * spec.inputs) throw new Error(`crossEntropy64: ${labels.length} labels for ${x.length / spec.inputs} samples`);
  const gradient = new Float64Array(theta.length);
  let loss = 0;
  for (let s = 0; s < samples; s++) {
    const f = forward64(spec, theta, row(x, s, spec.inputs));
    const p = softmax64(f.inputs.at(-1)!);
    loss -= Math.log(p[labels[s]!]!) / samples;
    backprop(
      spec,
      theta,
      f,
      p.map((v, c) => (v - (c === labels[s] ? 1 : 0)) / samples),
      gradient,
    );
  }
  return { loss, gradient };
}

// ---- central differences ----

/** ∇f(θ) by central differences of f. */
export function numericGradient(f: (theta: Float64Array) => number, theta: ArrayLike<number>, step = 1e-6): Float64Array {
  return Float64Array.from({ length: theta.length }, (_, j) => {
    const at = (delta: number): number => {
      const shifted = Float64Array.from(theta);
      shifted[j]! += delta;
      return f(shifted);
    };
    return (at(step) - at(-step)) / (2 * step);
  });
}

/** H·v by central differences of the gradient along v. */
export function hessianVectorProduct64(
  gradient: (theta: Float64Array) => Float64Array,
  theta: ArrayLike<number>,
  v: ArrayLike<number>,
  step = 1e-5,
): Float64Array {
  const at = (delta: number): Float64Array => gradient(Float64Array.from(theta, (t, i) => t + delta * v[i]!));
  const [plus, minus] = [at(step), at(-step)];
  return plus.map((g, i) => (g - minus[i]!) / (2 * step));
}

/** The Hessian (row-major n×n) by central differences of the gradient, one column per parameter, symmetrized. */
export function hessian64(gradient: (theta: Float64Array) => Float64Array, theta: ArrayLike<number>, step = 1e-5): Float64Array {
  const n = theta.length;
  const h = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const e = new Float64Array(n);
    e[j] = 1;
    const column = hessianVectorProduct64(gradient, theta, e, step);
    for (let i = 0; i < n; i++) h[i * n + j] = column[i]!;
  }
  return h.map((_, k) => (h[k]! + h[(k % n) * n + Math.floor(k / n)]!) / 2);
}

// ---- linear algebra ----

/** ‖actual − expected‖ / ‖expected‖. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i]! - expected[i]!) ** 2;
    norm += expected[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

/**
 * max|actual − reference| / max(max|reference|, 1e-6): the worst deviation relative to the reference's own scale,
 * how the kernel tests compare a backend with the cpu backend.
 */
export function maxRelativeError(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) throw new Error(`${actual.length} values against ${reference.length}`);
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < reference.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    scale = Math.max(scale, Math.abs(reference[i]!));
  }
  return diff / scale;
}

/** A float32 tensor's worth of standard normal values, for seeded kernel inputs. */
export const normals = (rng: Rng, shape: number[]): Float32Array => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());

/** Normal entries rounded to float32, so tfjs sees the same vector. */
export function randomVector(n: number, rng: Rng): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(rng.normal()));
}

/** m·v for a row-major n×n matrix. */
export function matVec(m: ArrayLike<number>, v: ArrayLike<number>): Float64Array {
  const n = v.length;
  return Float64Array.from({ length: n }, (_, i) => {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += m[i * n + j]! * v[j]!;
    return sum;
  });
}

/** Product of Householder reflections I − 2uuᵀ/uᵀu: a random orthogonal matrix. */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  let q = Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0));
  for (let r = 0; r < n; r++) {
    const u = randomVector(n, rng);
    const uu = u.reduce((s, v) => s + v * v, 0);
    const qu = matVec(q, u);
    q = q.map((v, k) => v - (2 * qu[Math.floor(k / n)]! * u[k % n]!) / uu);
  }
  return q;
}

/** Q·diag(λ)·Qᵀ with a random orthogonal Q: a symmetric matrix with known eigenvalues. */
export function fromEigenvalues(lambdas: readonly number[], rng: Rng): Float64Array {
  const n = lambdas.length;
  const q = randomOrthogonal(n, rng);
  return Float64Array.from({ length: n * n }, (_, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    return lambdas.reduce((s, l, m) => s + q[i * n + m]! * l * q[j * n + m]!, 0);
  });
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Two orthonormal vectors in R^d drawn from `rng` (Gram–Schmidt). */
export function orthonormalPair(d: number, rng: Rng): [Float64Array, Float64Array] {
  const a = Float64Array.from({ length: d }, () => rng.normal());
  const b = Float64Array.from({ length: d }, () => rng.normal());
  const nu = Math.sqrt(dot(a, a));
  const u = a.map((x) => x / nu);
  const uv = dot(u, b);
  const w = b.map((x, i) => x - uv * u[i]!);
  const nv = Math.sqrt(dot(w, w));
  return [u, w.map((x) => x / nv)];
}
