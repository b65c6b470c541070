/**
 * 1-1 Deep vs shallow, "Simulate a function": fully connected networks of
 * nearly equal size and different depth fit one-dimensional functions.
 */
import * as tf from '@tensorflow/tfjs';
import { firstNonFinite } from '../../core/divergence.ts';
import { createRng, deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { grid, type TargetId, targets } from '../../data/targets.ts';
import { initMlp, mlp } from '../../nn/mlp.ts';
import { layerTable, type MlpSpec, parameterCount } from '../../nn/mlp-shape.ts';
import { meanSquaredError, trainRegression } from '../../train/regression.ts';
import type { FitRun, SimulateFunctionConfig, SimulateFunctionData } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  fn: TargetId;
  model: number;
  seed: number;
  label: string;
}

const mlpSpec = (config: SimulateFunctionConfig, model: number): MlpSpec => ({
  inputs: 1,
  outputs: 1,
  hidden: config.models[model]!.hidden,
  activation: config.activation,
});

/** One model fitted to one function from one seed. */
export function runOne(config: SimulateFunctionConfig, job: Job, report: (epoch: number, metric: string) => void): FitRun {
  const { fn, seed } = job;
  const target = targets[fn];
  const model = config.models[job.model]!;
  // The same training sample for every model of a seed, so models differ only by architecture and init.
  const dataRng = createRng(deriveSeed(seed, 'data', fn));
  const xs = Array.from({ length: config.trainingPoints }, () => dataRng.next());
  const gridX = grid(config.gridPoints);
  const net = (p: readonly tf.Tensor[], x: tf.Tensor2D) => mlp(p, x, config.activation);
  const x = tf.tensor2d(xs, [xs.length, 1]);
  const y = tf.tensor2d(xs.map(target.f), [xs.length, 1]);
  const gx = tf.tensor2d(gridX, [gridX.length, 1]);
  const gy = tf.tensor2d(gridX.map(target.f), [gridX.length, 1]);
  const initial = initMlp(mlpSpec(config, job.model), createRng(deriveSeed(seed, 'init', model.name)));
  try {
    const result = trainRegression(net, initial, x, y, {
      epochs: config.epochs,
      learningRate: config.learningRate,
      onEpoch: (epoch, loss) => report(epoch, `loss ${loss.toExponential(2)}`),
    });
    if (result.diverged) {
      tf.dispose(result.params);
      return { seed, losses: result.losses, diverged: result.diverged, finalLoss: null, gridLoss: null, prediction: null };
    }
    const finalLoss = meanSquaredError(net, result.params, x, y);
    const gridLoss = meanSquaredError(net, result.params, gx, gy);
    const prediction = tf.tidy(() => Array.from(net(result.params, gx).dataSync()));
    tf.dispose(result.params);
    const value = firstNonFinite([finalLoss, gridLoss, ...prediction]);
    if (value) {
      // The last update itself blew up: the trained model is as unusable as a diverged run.
      return { seed, losses: result.losses, diverged: { epoch: config.epochs, value }, finalLoss: null, gridLoss: null, prediction: null };
    }
    return { seed, losses: result.losses, diverged: null, finalLoss, gridLoss, prediction };
  } finally {
    tf.dispose([x, y, gx, gy, ...initial]);
  }
}

function summary(run: FitRun): string {
  if (run.diverged) return `DIVERGED at epoch ${run.diverged.epoch} (loss ${run.diverged.value})`;
  return `${run.losses.length} epochs, training loss ${run.finalLoss!.toExponential(3)}, grid loss ${run.gridLoss!.toExponential(3)}`;
}

export async function run(config: SimulateFunctionConfig, ctx: StageContext): Promise<SimulateFunctionData> {
  const jobs: Job[] = [];
  for (const fn of config.functions) {
    config.models.forEach((model, m) => {
      for (const seed of config.seeds) jobs.push({ fn, model: m, seed, label: `${fn} · ${model.name} · seed ${seed}` });
    });
  }
  const runs = await ctx.runJobs(config, jobs, (j) => ({ label: j.label, steps: config.epochs }), { unit: 'epoch', summary });
  runs.forEach((r, i) => {
    const j = jobs[i]!;
    if (r.diverged) ctx.log.warn(`${j.fn} · ${config.models[j.model]!.name} · seed ${j.seed} diverged at epoch ${r.diverged.epoch}; it is reported, not drawn`);
  });

  const gridX = grid(config.gridPoints);
  const functions = config.functions.map((id) => {
    const target = targets[id];
    return {
      id,
      label: target.label,
      tex: target.tex,
      grid: { x: gridX, y: gridX.map(target.f) },
      results: config.models.map((model, m) => ({
        model: model.name,
        runs: jobs.flatMap((j, i) => (j.fn === id && j.model === m ? [runs[i]!] : [])),
      })),
    };
  });

  return {
    training: {
      optimizer: 'Adam',
      learningRate: config.learningRate,
      epochs: config.epochs,
      batch: `full batch (${config.trainingPoints} points)`,
      loss: 'mean squared error',
      activation: config.activation,
      trainingPoints: config.trainingPoints,
      gridPoints: config.gridPoints,
      seeds: config.seeds,
    },
    models: config.models.map((model, m) => ({
      name: model.name,
      depth: model.hidden.length,
      hidden: model.hidden,
      parameters: parameterCount(mlpSpec(config, m)),
      layers: layerTable(mlpSpec(config, m)),
    })),
    functions,
  };
}
