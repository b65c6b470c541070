/**
 * __TITLE__. The template's experiment, to replace with yours: a small tanh
 * MLP fits sin(2πx) on [0, 1] from each seed, full-batch Adam on the mean
 * squared error.
 */
import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { initMlp, mlp } from '../../nn/mlp.ts';
import { trainRegression } from '../../train/regression.ts';
import type { __PASCAL__Config, __PASCAL__Data } from './spec.ts';

export { spec } from './spec.ts';

type Run = __PASCAL__Data['runs'][number];

/** One independent run (here: one seed). Runs in a worker thread; every random choice is seeded from the config. */
export function runOne(config: __PASCAL__Config, seed: number, report: (step: number, metric: string) => void): Run {
  const xs = Array.from({ length: config.points }, (_, i) => i / (config.points - 1));
  const x = tf.tensor2d(xs, [xs.length, 1]);
  const y = tf.tensor2d(
    xs.map((v) => Math.sin(2 * Math.PI * v)),
    [xs.length, 1],
  );
  const initial = initMlp({ inputs: 1, hidden: config.hidden, outputs: 1, activation: 'tanh' }, createRng(deriveSeed(seed, 'init')));
  try {
    const result = trainRegression((p, input) => mlp(p, input, 'tanh'), initial, x, y, {
      epochs: config.epochs,
      learningRate: config.learningRate,
      onEpoch: (epoch, loss) => report(epoch, `loss ${loss.toExponential(2)}`),
    });
    tf.dispose(result.params);
    return { seed, losses: result.losses, diverged: result.diverged };
  } finally {
    tf.dispose([x, y, ...initial]);
  }
}

function summary(run: Run): string {
  return run.diverged ? `DIVERGED at epoch ${run.diverged.epoch} (loss ${run.diverged.value})` : `final training loss ${run.losses.at(-1)!.toExponential(3)}`;
}

/** The stage: its runs spread over the worker threads, then the data its artifact records. */
export async function run(config: __PASCAL__Config, ctx: StageContext): Promise<__PASCAL__Data> {
  const runs = await ctx.runJobs(config, config.seeds, (seed) => ({ label: `seed ${seed}`, steps: config.epochs }), { unit: 'epoch', summary });
  for (const r of runs) if (r.diverged) ctx.log.warn(`seed ${r.seed} diverged at epoch ${r.diverged.epoch}; it is reported, not drawn`);
  return { setup: { hidden: config.hidden, points: config.points, epochs: config.epochs, learningRate: config.learningRate, seeds: config.seeds }, runs };
}
