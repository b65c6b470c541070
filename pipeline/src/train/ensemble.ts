/**
 * Training R independent runs of one architecture as one batched model
 * (nn/ensemble.ts): full-batch Adam on each run's mean squared error. The
 * loss minimized is the sum of the runs' losses, so each run's gradient is its
 * own; Adam's state is elementwise, so each run keeps its own moments. A run
 * whose loss stops being finite is frozen (its parameters no longer change,
 * its divergence is reported) while the others go on. With the native kernels
 * the whole step runs as one fused call (train/fused-mlp.ts), with the same
 * results up to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';
import { type Divergence, firstNonFinite } from '../core/divergence.ts';
import { median } from '../core/stats.ts';
import { type Addon, activeAddon } from '../native/addon.ts';
import { ensembleMeanSquaredError, ensembleMlp, memberParams, stackMlps } from '../nn/ensemble.ts';
import { type MlpSpec, parameterCount } from '../nn/mlp-shape.ts';
import { FusedMlpEnsemble } from './fused-mlp.ts';
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

/** What both paths record of the epochs: each live run's loss, or its divergence when the loss is not finite. */
class EpochRecord {
  readonly losses: number[][];
  readonly diverged: (Divergence | null)[];
  readonly stopped: Uint8Array;

  constructor(runs: number) {
    this.losses = Array.from({ length: runs }, () => []);
    this.diverged = Array.from({ length: runs }, () => null);
    this.stopped = new Uint8Array(runs);
  }

  /** `values` (every run's loss this epoch) is overwritten with NaN for the runs that stopped; returns whether one just did. */
  add(epoch: number, values: Float32Array): boolean {
    let newlyStopped = false;
    for (let r = 0; r < values.length; r++) {
      if (this.stopped[r]) {
        values[r] = Number.NaN;
        continue;
      }
      const bad = firstNonFinite([values[r]!]);
      if (bad) {
        this.diverged[r] = { epoch, value: bad };
        this.stopped[r] = 1;
        newlyStopped = true;
        values[r] = Number.NaN;
      } else this.losses[r]!.push(values[r]!);
    }
    return newlyStopped;
  }

  get done(): boolean {
    return this.stopped.every((s) => s === 1);
  }

  runs(params: tf.Tensor[][]): RegressionRun[] {
    return params.map((p, r) => ({ losses: this.losses[r]!, diverged: this.diverged[r]!, params: p }));
  }
}

/**
 * Trains the runs of the network `spec` whose initial parameters are `initial`
 * (one list per run, as initMlp makes them) on their own data: x is
 * [R, inputs, N], y [R, outputs, N]. Returns each run as trainRegression would
 * (losses, divergence, parameters).
 */
export function trainRegressionEnsemble(
  spec: MlpSpec,
  initial: readonly (readonly tf.Tensor[])[],
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  options: EnsembleRegressionOptions,
): RegressionRun[] {
  const [runs, inputs, samples] = x.shape;
  if (runs !== initial.length || inputs !== spec.inputs || y.shape[0] !== runs || y.shape[1] !== spec.outputs || y.shape[2] !== samples) {
    throw new Error(`x [${x.shape}] and y [${y.shape}] do not fit ${initial.length} runs of ${spec.inputs} inputs and ${spec.outputs} outputs`);
  }
  const addon = activeAddon();
  return addon ? trainFused(addon, spec, initial, x, y, options) : trainBatched(spec, initial, x, y, options);
}

/** Work per call of the fused kernel in runs × samples × parameters: a few milliseconds, so progress is reported often. */
const WORK_PER_CALL = 2 ** 24;

/** The native path: the fused kernel, a bounded number of steps per call, every epoch then recorded in order. */
function trainFused(
  addon: Addon,
  spec: MlpSpec,
  initial: readonly (readonly tf.Tensor[])[],
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  options: EnsembleRegressionOptions,
): RegressionRun[] {
  const runs = initial.length;
  const samples = x.shape[2];
  const work = runs * samples * parameterCount(spec);
  const perCall = Math.max(1, Math.min(options.epochs, 1000, Math.floor(WORK_PER_CALL / work)));
  const fused = new FusedMlpEnsemble(addon, spec, initial, x.dataSync() as Float32Array, y.dataSync() as Float32Array, samples, options.learningRate, perCall);
  const record = new EpochRecord(runs);
  for (let epoch = 0; epoch < options.epochs && !record.done; ) {
    const steps = Math.min(perCall, options.epochs - epoch);
    const losses = fused.train(steps);
    for (let k = 0; k < steps && !record.done; k++) {
      const values = losses.slice(k * runs, (k + 1) * runs);
      epoch++;
      record.add(epoch, values);
      options.onEpoch?.(epoch, values);
    }
  }
  return record.runs(Array.from({ length: runs }, (_, r) => fused.params(r)));
}

/** The stopped runs' parameters as they were when they stopped, and a mask of their entries. */
interface Frozen {
  values: tf.Tensor[];
  masks: tf.Tensor[];
}

/** The tfjs path: the runs as one batched model (nn/ensemble.ts), differentiated by tfjs. */
function trainBatched(
  spec: MlpSpec,
  initial: readonly (readonly tf.Tensor[])[],
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  options: EnsembleRegressionOptions,
): RegressionRun[] {
  const model = (p: readonly tf.Tensor[], input: tf.Tensor3D) => ensembleMlp(p, input, spec.activation);
  const runs = initial.length;
  const record = new EpochRecord(runs);
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
        const newlyStopped = record.add(epoch, values);
        options.onEpoch?.(epoch, values);
        if (newlyStopped) {
          weights.dispose();
          weights = tf.tensor1d(Array.from(record.stopped, (s) => 1 - s));
          if (frozen) tf.dispose([...frozen.values, ...frozen.masks]);
          frozen = freeze(vars, record.stopped);
        }
        return record.done ? DONE : null;
      },
    });
    const members = Array.from({ length: runs }, (_, r) => memberParams(params, r));
    tf.dispose(params);
    return record.runs(members);
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
