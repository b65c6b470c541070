/**
 * analysis/losses.ts: the cross-entropy over θ that tfjs 4.22 differentiates
 * correctly to second order (custom exp, constant row max), against the
 * float64 reference (helpers/float64.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradientOf, hessianVectorProduct } from '../../pipeline/src/analysis/hessian.ts';
import { crossEntropyLoss, exp, logSumExp } from '../../pipeline/src/analysis/losses.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { hessianVectorProduct64, randomVector, relativeError } from '../helpers/float64.ts';
import { ceProblem, crossEntropyOnTf, reference, referenceGradient } from '../helpers/problems.ts';

beforeAll(async () => {
  await selectBackend('cpu');
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
    const z = tf.tensor2d([
      [1000, 1001, 999],
      [-3, 0.5, 2],
    ]);
    const lse = logSumExp(z).arraySync();
    const ref = [
      [1000, 1001, 999],
      [-3, 0.5, 2],
    ].map((r) => Math.max(...r) + Math.log(r.reduce((s, v) => s + Math.exp(v - Math.max(...r)), 0)));
    for (const [i, v] of lse.entries()) expect(v).toBeCloseTo(ref[i]!, 3);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(logSumExp(t as tf.Tensor2D)))(z);
    const soft = tf.softmax(z);
    expect(relativeError(grad.dataSync(), soft.dataSync())).toBeLessThan(1e-6);
    tf.dispose([z, grad, soft]);
  });

  it('has the value and gradient of the float64 reference', () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const problem = ceProblem(activation);
      const { loss, theta, dispose } = crossEntropyOnTf(problem);
      const ref = reference(problem);
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
      const problem = ceProblem(activation);
      const { loss, theta, dispose } = crossEntropyOnTf(problem);
      const rng = createRng(99);
      errors[activation] = [];
      for (let k = 0; k < 4; k++) {
        const v = randomVector(problem.theta.length, rng);
        const vt = tf.tensor1d(Float32Array.from(v));
        const hv = hessianVectorProduct(loss, theta, vt);
        const err = relativeError(hv.dataSync(), hessianVectorProduct64(referenceGradient(problem), problem.theta, v));
        errors[activation]!.push(err);
        tf.dispose([vt, hv]);
      }
      dispose();
    }
    console.log('HVP relative errors vs float64 FD:', JSON.stringify(errors));
    for (const list of Object.values(errors)) for (const err of list) expect(err).toBeLessThan(1e-3);
  });

  it('leaves no tensors behind in crossEntropyLoss and its HVP', () => {
    const problem = ceProblem('relu');
    const { loss, theta, dispose } = crossEntropyOnTf(problem);
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
