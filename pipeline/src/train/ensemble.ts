/**
 * Training R independent runs of one architecture as one batched model
 * (nn/ensemble.ts): full-batch Adam on each run's mean squared error. The
 * loss minimized is the sum of the runs' losses, so each run's gradient is its
 * own; Adam's state is elementwise, so each run keeps its own moments. A run
 * whose loss stops being finite is frozen (its parameters no longer change,
 * its divergence is reported) while the others go on.
 */
import * as tf from '@tensorflow/tfjs';
import { type Divergence, firstNonFinite } from '../core/divergence.ts';
import { median } from '../core/stats.ts';
import { ensembleMeanSquaredError, memberParams, stackMlps } from '../nn/ensemble.ts';
import { DONE, runLoop } from './loop.ts';
import type { RegressionRun } from './regression.ts';

export interface EnsembleRegressionOptions {
  epochs: number;
  learningRate: number;
  /** After every epoch, with its 1-based number and every run's loss (NaN for a run that stopped). */
  onEpoch?: (epoch: number, losses: Float32Array) => void;
}

/** A progress metric for one epoch of an ensemble: the median loss of the runs still training, and how many there are. */
export function ensembleProgress(losses: Float32Array): string {
  const live = Array.from(losses).filter(Number.isFinite);
  const text = live.length ? median(live).toExponential(2) : 'none';
  return live.length === losses.length ? `median loss ${text}` : `median loss ${text} (${live.length} of ${losses.length} runs training)`;
}

/** The stopped runs' parameters as they were when they stopped, and a mask of their entries. */
interface Frozen {
  values: tf.Tensor[];
  masks: tf.Tensor[];
}

type EnsembleModel = (params: readonly tf.Tensor[], x: tf.Tensor3D) => tf.Tensor3D;

/**
 * Trains the runs whose initial parameters are `initial` (one list per run, as
 * initMlp makes them) on their own data: x is [R, inputs, N], y [R, outputs, N].
 * Returns each run as trainRegression would (losses, divergence, parameters).
 */
export function trainRegressionEnsemble(
  model: EnsembleModel,
  initial: readonly (readonly tf.Tensor[])[],
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  options: EnsembleRegressionOptions,
): RegressionRun[] {
  const runs = initial.length;
  const losses: number[][] = initial.map(() => []);
  const diverged: (Divergence | null)[] = initial.map(() => null);
  const stopped = new Uint8Array(runs);
  // 1 for a run still training: a stopped run's loss is left out of the sum.
  let weights = tf.ones([runs]) as tf.Tensor1D;
  // Once a run stops: its parameters as they were, and where they are.
  let frozen = null as Frozen | null;
  const stacked = stackMlps(initial);
  try {
    const { params } = runLoop<never>(stacked, {
      epochs: options.epochs,
      optimizer: 'adam',
      learningRate: options.learningRate,
      epoch(epoch, vars, optimizer) {
        let perRun: tf.Tensor1D | undefined;
        const total = optimizer.minimize(() => {
          perRun = tf.keep(ensembleMeanSquaredError(model(vars, x), y));
          return tf.sum(tf.mul(perRun, weights)) as tf.Scalar;
        }, true)!;
        total.dispose();
        const values = perRun!.dataSync() as Float32Array;
        perRun!.dispose();
        if (frozen) restoreFrozen(vars, frozen);
        let newlyStopped = false;
        for (let r = 0; r < runs; r++) {
          if (stopped[r]) {
            values[r] = Number.NaN;
            continue;
          }
          const bad = firstNonFinite([values[r]!]);
          if (bad) {
            diverged[r] = { epoch, value: bad };
            stopped[r] = 1;
            newlyStopped = true;
            values[r] = Number.NaN;
          } else losses[r]!.push(values[r]!);
        }
        options.onEpoch?.(epoch, values);
        if (newlyStopped) {
          weights.dispose();
          weights = tf.tensor1d(Array.from(stopped, (s) => 1 - s));
          if (frozen) tf.dispose([...frozen.values, ...frozen.masks]);
          frozen = freeze(vars, stopped);
        }
        return stopped.every((s) => s === 1) ? DONE : null;
      },
    });
    const members = Array.from({ length: runs }, (_, r) => memberParams(params, r));
    tf.dispose(params);
    return members.map((p, r) => ({ losses: losses[r]!, diverged: diverged[r]!, params: p }));
  } finally {
    weights.dispose();
    if (frozen) tf.dispose([...frozen.values, ...frozen.masks]);
    tf.dispose(stacked);
  }
}

function freeze(vars: readonly tf.Variable[], stopped: Uint8Array): Frozen {
  return tf.tidy(() => {
    const flags = tf.tensor1d(Array.from(stopped), 'bool');
    return {
      values: vars.map((v) => tf.keep(v.clone())),
      masks: vars.map((v) => tf.keep(tf.broadcastTo(tf.reshape(flags, [stopped.length, 1, 1]), v.shape))),
    };
  });
}

/** Puts the stopped runs' parameters back after an optimizer step moved them (Adam's momentum would). */
function restoreFrozen(vars: readonly tf.Variable[], frozen: Frozen): void {
  tf.tidy(() => {
    vars.forEach((v, i) => {
      v.assign(tf.where(frozen.masks[i]!, frozen.values[i]!, v));
    });
  });
}
