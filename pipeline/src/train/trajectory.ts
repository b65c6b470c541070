/**
 * A minibatch training loop that watches itself: the mean squared error is
 * minimised with a tfjs optimizer while the loop records, per optimizer step,
 * the minibatch loss and the L2 norm of the full gradient (all parameters),
 * and every `recordEvery` epochs a snapshot of the flattened parameters.
 */
import * as tf from '@tensorflow/tfjs';
import { firstNonFinite, type NonFinite } from '../core/divergence.ts';
import { permutation, type Rng } from '../core/random.ts';
import { flatValues } from '../nn/params.ts';
import { type OptimizerName, runLoop } from './loop.ts';

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

export function trainWithTrajectory(model: Model, initial: readonly tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D, options: TrajectoryOptions): TrajectoryRun {
  const n = x.shape[0];
  const run: TrajectoryRun = { snapshotEpochs: [], snapshots: [], iterationLoss: [], gradientNorm: [], diverged: null };
  const snapshot = (vars: readonly tf.Tensor[], epoch: number) => {
    run.snapshots.push(flatValues(vars));
    run.snapshotEpochs.push(epoch);
  };
  const { params, diverged } = runLoop<TrajectoryDivergence>(initial, {
    epochs: options.epochs,
    optimizer: options.optimizer,
    learningRate: options.learningRate,
    start: (vars) => snapshot(vars, 0),
    epoch(epoch, vars, optimizer) {
      const order = permutation(n, options.shuffle);
      let sum = 0;
      let steps = 0;
      for (let start = 0; start < n; start += options.batchSize) {
        const [loss, norm] = tf.tidy(() => {
          const idx = tf.tensor1d(order.subarray(start, Math.min(n, start + options.batchSize)), 'int32');
          const xb = tf.gather(x, idx) as tf.Tensor2D;
          const yb = tf.gather(y, idx);
          const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model(vars, xb), yb)) as tf.Scalar, vars as tf.Variable[]);
          const gradNorm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
          const read = tf.stack([value, gradNorm]).dataSync();
          if (Number.isFinite(read[0]) && Number.isFinite(read[1])) optimizer.applyGradients(grads);
          return [read[0]!, read[1]!];
        });
        const bad = firstNonFinite([loss, norm]);
        if (bad) return { epoch, iteration: run.iterationLoss.length + 1, value: bad };
        run.iterationLoss.push(loss);
        run.gradientNorm.push(norm);
        sum += loss;
        steps++;
      }
      if (epoch % options.recordEvery === 0 || epoch === options.epochs) snapshot(vars, epoch);
      options.onEpoch?.(epoch, sum / steps);
      return null;
    },
  });
  tf.dispose(params);
  run.diverged = diverged;
  return run;
}
