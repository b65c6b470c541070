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

  // One sample's values, reused for every sample and direction (no allocation in the loops):
  // a[l] layer outputs (a[0] the input), z[l] pre-activations, da/dz their tangents along a direction.
  const sizes = layerSizes(spec);
  const last = layers.length - 1;
  const a = sizes.map((size) => new Float64Array(size));
  const da = sizes.map((size) => new Float64Array(size));
  const z = layers.map((L) => new Float64Array(L.outputs));
  const dz = layers.map((L) => new Float64Array(L.outputs));
  const width = Math.max(...sizes);
  let delta = new Float64Array(width);
  let dDelta = new Float64Array(width);
  let below = new Float64Array(width);
  let dBelow = new Float64Array(width);

  /** Fills z and a for one input; returns the network's output. */
  function forward(theta: Float64Array, input: number): number {
    a[0]![0] = input;
    for (let l = 0; l <= last; l++) {
      const L = layers[l]!;
      const inp = a[l]!;
      const zl = z[l]!;
      const out = a[l + 1]!;
      const bias = L.weights + L.inputs * L.outputs;
      for (let o = 0; o < L.outputs; o++) {
        let sum = theta[bias + o]!;
        for (let i = 0; i < L.inputs; i++) sum += inp[i]! * theta[L.weights + i * L.outputs + o]!;
        zl[o] = sum;
        out[o] = l < last ? act(sum) : sum;
      }
    }
    return a[last + 1]![0]!;
  }

  // Where parameter j sits: its layer, and the input and output it connects (input −1 for a bias).
  const place = layers.flatMap((L, l) => [
    ...Array.from({ length: L.inputs * L.outputs }, (_, k) => ({ layer: l, input: Math.floor(k / L.outputs), output: k % L.outputs })),
    ...Array.from({ length: L.outputs }, (_, o) => ({ layer: l, input: -1, output: o })),
  ]);

  /**
   * Fills dz and da: the derivatives of z and a along θ + t·e_j (after
   * forward, for the same sample). Layers below parameter j do not move.
   */
  function tangent(theta: Float64Array, j: number): void {
    const at = place[j]!;
    for (let l = 0; l <= at.layer; l++) da[l]!.fill(0);
    for (let l = 0; l < at.layer; l++) dz[l]!.fill(0);
    for (let l = at.layer; l <= last; l++) {
      const L = layers[l]!;
      const dInp = da[l]!;
      const dzl = dz[l]!;
      const dOut = da[l + 1]!;
      for (let o = 0; o < L.outputs; o++) {
        let sum = 0;
        if (l === at.layer) {
          // The layer of θ_j: only its output moves, by the input it multiplies (1 for a bias).
          if (o === at.output) sum = at.input < 0 ? 1 : a[l]![at.input]!;
        } else {
          for (let i = 0; i < L.inputs; i++) sum += dInp[i]! * theta[L.weights + i * L.outputs + o]!;
        }
        dzl[o] = sum;
        dOut[o] = l < last ? d1(z[l]![o]!, a[l + 1]![o]!) * sum : sum;
      }
    }
  }

  /**
   * After forward (and tangent along e_j, when j ≥ 0) for sample s: adds the
   * sample's gradient to `grad`, and the derivative of that gradient along e_j
   * (a Hessian column) to `dGrad` from `offset` on.
   */
  function backward(theta: Float64Array, s: number, grad: Float64Array | null, j: number, dGrad: Float64Array | null, offset: number): void {
    const scale = 2 / x.length;
    const at = j >= 0 ? place[j]! : null;
    delta[0] = scale * (a[last + 1]![0]! - y[s]!);
    dDelta[0] = at ? scale * da[last + 1]![0]! : 0;
    for (let l = last; l >= 0; l--) {
      const L = layers[l]!;
      const inp = a[l]!;
      const dInp = da[l]!;
      const bias = L.weights + L.inputs * L.outputs;
      for (let o = 0; o < L.outputs; o++) {
        const d = delta[o]!;
        const dd = dDelta[o]!;
        if (grad) grad[bias + o]! += d;
        if (dGrad) dGrad[offset + bias + o]! += dd;
        for (let i = 0; i < L.inputs; i++) {
          const w = L.weights + i * L.outputs + o;
          if (grad) grad[w]! += inp[i]! * d;
          if (dGrad) dGrad[offset + w]! += dInp[i]! * d + inp[i]! * dd;
        }
      }
      if (l === 0) break;
      const zBelow = z[l - 1]!;
      const dzBelow = dz[l - 1]!;
      for (let i = 0; i < L.inputs; i++) {
        let e = 0;
        let de = 0;
        for (let o = 0; o < L.outputs; o++) {
          const w = L.weights + i * L.outputs + o;
          e += theta[w]! * delta[o]!;
          if (at) de += theta[w]! * dDelta[o]!;
        }
        // The weight θ_j itself moves along e_j.
        if (at && at.layer === l && at.input === i) de += delta[at.output]!;
        const slope = d1(zBelow[i]!, inp[i]!);
        below[i] = e * slope;
        dBelow[i] = at ? de * slope + e * d2(inp[i]!) * dzBelow[i]! : 0;
      }
      [delta, below] = [below, delta];
      [dDelta, dBelow] = [dBelow, dDelta];
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
      for (let s = 0; s < x.length; s++) sum += (forward(theta, x[s]!) - y[s]!) ** 2;
      return sum / x.length;
    },
    gradient(theta) {
      check(theta);
      const grad = new Float64Array(n);
      for (let s = 0; s < x.length; s++) {
        forward(theta, x[s]!);
        backward(theta, s, grad, -1, null, 0);
      }
      return grad;
    },
    hessian(theta) {
      check(theta);
      // Row j accumulates column j (∂∇L/∂θ_j) over the samples; one forward pass per sample serves every direction.
      const h = new Float64Array(n * n);
      for (let s = 0; s < x.length; s++) {
        forward(theta, x[s]!);
        for (let j = 0; j < n; j++) {
          tangent(theta, j);
          backward(theta, s, null, j, h, j * n);
        }
      }
      // Exact up to summation order; make it exactly symmetric.
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) h[i * n + j] = h[j * n + i] = (h[i * n + j]! + h[j * n + i]!) / 2;
      }
      return h;
    },
  };
}
