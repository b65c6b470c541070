/**
 * The training loop every trainer here shares: trainable copies of the
 * initial parameters, an optimizer, one call per epoch until the budget is
 * spent, an epoch reports a divergence (a loss or gradient that is not a
 * finite number) or says it is done, and the disposal of the variables and
 * the optimizer whatever happens. What an epoch does (one full-batch step,
 * a pass over mini-batches, recording as it goes) is the trainer's.
 */
import * as tf from '@tensorflow/tfjs';
import { FusedAdam } from './adam.ts';

export type OptimizerName = 'adam' | 'sgd';

export function makeOptimizer(name: OptimizerName, learningRate: number): tf.Optimizer {
  return name === 'adam' ? new FusedAdam(learningRate) : tf.train.sgd(learningRate);
}

/** Ends the loop after this epoch: the run reached what it trains for (e.g. a target accuracy). */
export const DONE = Symbol('done');

export interface Loop<D> {
  epochs: number;
  optimizer: OptimizerName;
  learningRate: number;
  /** Before the first epoch, with the initial parameters (e.g. to record them). */
  start?(vars: readonly tf.Variable[]): void;
  /** One epoch (1-based): a divergence record stops the loop, DONE ends it, null goes on. */
  epoch(epoch: number, vars: readonly tf.Variable[], optimizer: tf.Optimizer): D | typeof DONE | null;
}

export interface LoopResult<D> {
  /** The trained parameters, owned by the caller (also after a divergence: the values before the bad step's update, if it made none). */
  params: tf.Tensor[];
  diverged: D | null;
}

export function runLoop<D>(initial: readonly tf.Tensor[], loop: Loop<D>): LoopResult<D> {
  // Unnamed variables get unique names, so runs in one thread never collide.
  const vars = initial.map((p) => tf.variable(p, true));
  const optimizer = makeOptimizer(loop.optimizer, loop.learningRate);
  try {
    loop.start?.(vars);
    let diverged: D | null = null;
    for (let epoch = 1; epoch <= loop.epochs; epoch++) {
      const outcome = loop.epoch(epoch, vars, optimizer);
      if (outcome === DONE) break;
      if (outcome !== null) {
        diverged = outcome;
        break;
      }
    }
    return { params: vars.map((v) => v.clone()), diverged };
  } finally {
    optimizer.dispose();
    for (const v of vars) v.dispose();
  }
}
