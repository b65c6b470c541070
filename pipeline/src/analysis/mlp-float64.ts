/**
 * The mean squared error of an MLP of nn/mlp.ts, its gradient and its exact
 * Hessian in float64, in plain JavaScript. Same flat θ layout as
 * nn/params.ts's flattenParams ([W1 row-major, b1, W2, b2, …]). The Hessian is
 * forward mode over reverse mode: column j is the directional derivative of
 * backpropagation along e_j, carried exactly by dual numbers. Near a critical
 * point its small eigenvalues are below float32 round-off, so tfjs cannot
 * resolve them; here they are exact to ~1e-15.
 */

import { layerSizes, type MlpSpec, parameterCount } from '../nn/mlp-shape.ts';
import type { Objective } from './critical-point.ts';

interface Layer {
  inputs: number;
  outputs: number;
  /** Offset of W in θ; b follows at weights + inputs·outputs. */
  weights: number;
}

function layout(spec: MlpSpec): Layer[] {
  const sizes = layerSizes(spec);
  let offset = 0;
  return sizes.slice(1).map((outputs, l) => {
    const layer = { inputs: sizes[l]!, outputs, weights: offset };
    offset += sizes[l]! * outputs + outputs;
    return layer;
  });
}

export function mlpObjective64(spec: MlpSpec, x: readonly number[], y: readonly number[]): Objective {
  if (spec.inputs !== 1 || spec.outputs !== 1) throw new Error('mlpObjective64 supports one input and one output');
  if (x.length !== y.length || x.length === 0) throw new Error(`expected as many targets as inputs, got ${x.length} and ${y.length}`);
  const layers = layout(spec);
  const n = parameterCount(spec);
  const tanh = spec.activation === 'tanh';
  // Activation and its first two derivatives, from the pre-activation z and the output a.
  const d1 = (z: number, a: number) => (tanh ? 1 - a * a : z > 0 ? 1 : 0);
  const d2 = (a: number) => (tanh ? -2 * a * (1 - a * a) : 0);
  const act = (z: number) => (tanh ? Math.tanh(z) : Math.max(z, 0));

  /** Pre-activations z[l] and layer outputs a[l] (a[0] is the input) for one sample. */
  function forward(theta: Float64Array, input: number): { z: Float64Array[]; a: Float64Array[] } {
    const a: Float64Array[] = [Float64Array.of(input)];
    const z: Float64Array[] = [];
    layers.forEach((L, l) => {
      const zl = new Float64Array(L.outputs);
      const bias = L.weights + L.inputs * L.outputs;
      for (let o = 0; o < L.outputs; o++) {
        let sum = theta[bias + o]!;
        for (let i = 0; i < L.inputs; i++) sum += a[l]![i]! * theta[L.weights + i * L.outputs + o]!;
        zl[o] = sum;
      }
      z.push(zl);
      a.push(l < layers.length - 1 ? zl.map(act) : zl);
    });
    return { z, a };
  }

  /**
   * Adds this sample's gradient to `grad` and, when `dir` is given, the
   * derivative of that gradient along θ + t·dir to `dGrad` (a Hessian column).
   */
  function backprop(theta: Float64Array, s: number, grad: Float64Array | null, dir: Float64Array | null, dGrad: Float64Array | null): void {
    const { z, a } = forward(theta, x[s]!);
    const last = layers.length - 1;
    // Tangents of z and a along dir.
    const dz: Float64Array[] = [];
    const da: Float64Array[] = [new Float64Array(1)];
    if (dir) {
      layers.forEach((L, l) => {
        const dzl = new Float64Array(L.outputs);
        const bias = L.weights + L.inputs * L.outputs;
        for (let o = 0; o < L.outputs; o++) {
          let sum = dir[bias + o]!;
          for (let i = 0; i < L.inputs; i++) {
            const w = L.weights + i * L.outputs + o;
            sum += a[l]![i]! * dir[w]! + da[l]![i]! * theta[w]!;
          }
          dzl[o] = sum;
        }
        dz.push(dzl);
        da.push(l < last ? dzl.map((v, o) => d1(z[l]![o]!, a[l + 1]![o]!) * v) : dzl);
      });
    }
    const scale = 2 / x.length;
    let delta = Float64Array.of(scale * (a[last + 1]![0]! - y[s]!));
    let dDelta = Float64Array.of(dir ? scale * da[last + 1]![0]! : 0);
    for (let l = last; l >= 0; l--) {
      const L = layers[l]!;
      const bias = L.weights + L.inputs * L.outputs;
      for (let o = 0; o < L.outputs; o++) {
        if (grad) grad[bias + o]! += delta[o]!;
        if (dGrad) dGrad[bias + o]! += dDelta[o]!;
        for (let i = 0; i < L.inputs; i++) {
          const w = L.weights + i * L.outputs + o;
          if (grad) grad[w]! += a[l]![i]! * delta[o]!;
          if (dGrad) dGrad[w]! += da[l]![i]! * delta[o]! + a[l]![i]! * dDelta[o]!;
        }
      }
      if (l === 0) break;
      const below = new Float64Array(L.inputs);
      const dBelow = new Float64Array(L.inputs);
      for (let i = 0; i < L.inputs; i++) {
        let e = 0;
        let de = 0;
        for (let o = 0; o < L.outputs; o++) {
          const w = L.weights + i * L.outputs + o;
          e += theta[w]! * delta[o]!;
          if (dir) de += dir[w]! * delta[o]! + theta[w]! * dDelta[o]!;
        }
        const zi = z[l - 1]![i]!;
        const ai = a[l]![i]!;
        below[i] = e * d1(zi, ai);
        if (dir) dBelow[i] = de * d1(zi, ai) + e * d2(ai) * dz[l - 1]![i]!;
      }
      delta = below;
      dDelta = dBelow;
    }
  }

  const check = (theta: Float64Array) => {
    if (theta.length !== n) throw new Error(`θ has ${theta.length} entries but the MLP has ${n} parameters`);
  };
  return {
    size: n,
    loss(theta) {
      check(theta);
      let sum = 0;
      for (let s = 0; s < x.length; s++) sum += (forward(theta, x[s]!).a[layers.length]![0]! - y[s]!) ** 2;
      return sum / x.length;
    },
    gradient(theta) {
      check(theta);
      const grad = new Float64Array(n);
      for (let s = 0; s < x.length; s++) backprop(theta, s, grad, null, null);
      return grad;
    },
    hessian(theta) {
      check(theta);
      const h = new Float64Array(n * n);
      const column = new Float64Array(n);
      const dir = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        column.fill(0);
        dir.fill(0);
        dir[j] = 1;
        for (let s = 0; s < x.length; s++) backprop(theta, s, null, dir, column);
        for (let i = 0; i < n; i++) h[i * n + j] = column[i]!;
      }
      // Exact up to summation order; make it exactly symmetric.
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) h[i * n + j] = h[j * n + i] = (h[i * n + j]! + h[j * n + i]!) / 2;
      }
      return h;
    },
  };
}
