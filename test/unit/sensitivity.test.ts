/** analysis/sensitivity.ts: ‖∂p/∂x‖_F against float64 differences and a closed form. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { probabilityJacobians, sensitivity } from '../../pipeline/src/analysis/sensitivity.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { initMlp, mlp } from '../../pipeline/src/nn/mlp.ts';
import type { MlpSpec } from '../../pipeline/src/nn/mlp-shape.ts';
import { unflatten } from '../../pipeline/src/nn/params.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { output64, relativeError, softmax64 } from '../helpers/float64.ts';
import { ceProblem } from '../helpers/problems.ts';

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('sensitivity', () => {
  it('matches central differences of a float64 forward pass on a small MLP', () => {
    // Jacobians of softmax(MLP(x)) by tfjs (float32) vs central differences of the same
    // network evaluated in float64 plain JS (step 1e-5, truncation error ~1e-10).
    const problem = ceProblem('tanh', 5);
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
          return softmax64(output64(spec, theta, input));
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
