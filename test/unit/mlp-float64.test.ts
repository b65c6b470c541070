/**
 * analysis/mlp-float64.ts, the production float64 MLP objective of
 * minimal-ratio (Hessian by forward over reverse mode): against an
 * independent computation (the tests' float64 reference, helpers/float64.ts,
 * and central differences of its own loss and gradient) and against the
 * tfjs Hessian of analysis/hessian.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { hessian } from '../../pipeline/src/analysis/hessian.ts';
import { mlpLoss } from '../../pipeline/src/analysis/losses.ts';
import { mlpObjective64 } from '../../pipeline/src/analysis/mlp-float64.ts';
import { createRng } from '../../pipeline/src/core/random.ts';
import { type Activation, type MlpSpec, parameterCount } from '../../pipeline/src/nn/mlp-shape.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { hessian64, mse64, relativeError } from '../helpers/float64.ts';

describe('float64 MLP objective', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it.each<Activation>(['tanh', 'relu'])('%s: loss, gradient and Hessian agree with the float64 reference, float64 differences and tfjs', (activation) => {
    const spec: MlpSpec = { inputs: 1, hidden: [4, 3], outputs: 1, activation };
    const rng = createRng(11);
    const xs = Array.from({ length: 16 }, () => rng.next());
    const ys = xs.map((x) => Math.sin(6 * x));
    const n = parameterCount(spec);
    const theta = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
    const objective = mlpObjective64(spec, xs, ys);
    const g = objective.gradient(theta);
    const h = objective.hessian(theta);

    // Against the tests' own float64 MLP: loss and gradient to round-off, the Hessian to its central differences.
    const ref = mse64(spec, theta, xs, ys);
    expect(Math.abs(objective.loss(theta) - ref.loss) / ref.loss).toBeLessThan(1e-12);
    expect(relativeError(g, ref.gradient)).toBeLessThan(1e-12);
    expect(
      relativeError(
        h,
        hessian64((t) => mse64(spec, t, xs, ys).gradient, theta),
      ),
    ).toBeLessThan(1e-6);

    // Gradient and Hessian against central differences of the float64 loss and gradient.
    const eps = 1e-6;
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

    // Against the tfjs reverse-over-reverse Hessian of analysis/hessian.ts (float32).
    const x = tf.tensor2d(xs, [xs.length, 1]);
    const y = tf.tensor2d(ys, [ys.length, 1]);
    const t = tf.tensor1d(Float32Array.from(theta));
    const tfHessian = hessian(mlpLoss(spec, x, y), t);
    tf.dispose([x, y, t]);
    const scale = Math.max(...tfHessian.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < n * n; i++) worst = Math.max(worst, Math.abs(h[i]! - tfHessian[i]!));
    expect(worst / scale).toBeLessThan(1e-4);
  });

  it('refuses θ of the wrong length and data that do not pair up', () => {
    const spec: MlpSpec = { inputs: 1, hidden: [2], outputs: 1, activation: 'tanh' };
    expect(() => mlpObjective64(spec, [0, 1], [1]).loss(new Float64Array(7))).toThrow(/expected as many targets as inputs/);
    expect(() => mlpObjective64(spec, [0, 1], [1, 0]).loss(new Float64Array(3))).toThrow(/θ has 3 entries but the MLP has 7 parameters/);
  });
});
