/**
 * A minibatch training loop that watches itself: the mean squared error is
 * minimised with a tfjs optimizer while the loop records, per optimizer step,
 * the minibatch loss and the L2 norm of the full gradient (all parameters),
 * and every `recordEvery` epochs a snapshot of the flattened parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { firstNonFinite, type NonFinite } from './divergence.ts';
import { flattenParams } from './hessian.ts';
import { permutation, type Rng } from './random.ts';

export type OptimizerName = 'adam' | 'sgd';

export interface TrajectoryOptions {
  epochs: number;
  batchSize: number;
  /** A snapshot is taken before training, after every epoch divisible by this, and after the last epoch. */
  recordEvery: number;
  optimizer: OptimizerName;
  learningRate: number;
  /** Draws the order of the samples in every epoch. */
  shuffle: Rng;
  onEpoch?: (epoch: number, loss: number) => void;
}

export interface TrajectoryDivergence {
  epoch: number;
  /** 1-based optimizer step whose loss or gradient norm was not finite. */
  iteration: number;
  value: NonFinite;
}

export interface TrajectoryRun {
  snapshotEpochs: number[];
  /** Flattened parameters [W1, b1, W2, …] at each snapshot epoch. */
  snapshots: Float32Array[];
  /** Per optimizer step, before the update: minibatch loss and ‖∇θ loss‖₂. */
  iterationLoss: number[];
  gradientNorm: number[];
  diverged: TrajectoryDivergence | null;
}

type Model = (params: readonly tf.Tensor[], x: tf.Tensor2D) => tf.Tensor2D;

export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  return name === 'adam' ? tf.train.adam(learningRate) : tf.train.sgd(learningRate);
}

export function trainWithTrajectory(model: Model, initial: readonly tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D, options: TrajectoryOptions): TrajectoryRun {
  // Unnamed variables get unique names, so runs in one thread never collide.
  const vars = initial.map((p) => tf.variable(p, true));
  const optimizer = makeOptimizer(options.optimizer, options.learningRate);
  const n = x.shape[0];
  const run: TrajectoryRun = { snapshotEpochs: [], snapshots: [], iterationLoss: [], gradientNorm: [], diverged: null };
  const snapshot = (epoch: number) => {
    const flat = flattenParams(vars);
    run.snapshots.push(Float32Array.from(flat.dataSync()));
    run.snapshotEpochs.push(epoch);
    flat.dispose();
  };
  try {
    snapshot(0);
    for (let epoch = 1; epoch <= options.epochs && !run.diverged; epoch++) {
      const order = permutation(n, options.shuffle);
      let sum = 0;
      let steps = 0;
      for (let start = 0; start < n; start += options.batchSize) {
        const [loss, norm] = tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + options.batchSize)), 'int32');
          const xb = tf.gather(x, idx) as tf.Tensor2D;
          const yb = tf.gather(y, idx);
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model(vars, xb), yb)) as tf.Scalar, vars);
          const gradNorm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
          const read = tf.stack([value, gradNorm]).dataSync();
          if (Number.isFinite(read[0]) && Number.isFinite(read[1])) optimizer.applyGradients(grads);
          return [read[0]!, read[1]!];
        });
        const bad = firstNonFinite([loss, norm]);
        if (bad) {
          run.diverged = { epoch, iteration: run.iterationLoss.length + 1, value: bad };
          break;
        }
        run.iterationLoss.push(loss);
        run.gradientNorm.push(norm);
        sum += loss;
        steps++;
      }
      if (run.diverged) break;
      if (epoch % options.recordEvery === 0 || epoch === options.epochs) snapshot(epoch);
      options.onEpoch?.(epoch, sum / steps);
    }
    return run;
  } finally {
    optimizer.dispose();
    for (const v of vars) v.dispose();
  }
}
