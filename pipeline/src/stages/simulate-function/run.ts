/**
 * 1-1 Deep vs shallow, "Simulate a function": fully connected networks of
 * nearly equal size and different depth fit one-dimensional functions.
 */
import * as tf from '@tensorflow/tfjs';
import { firstNonFinite } from '../../core/divergence.ts';
import { createRng, deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { median } from '../../core/stats.ts';
import { grid, type TargetId, targets } from '../../data/targets.ts';
import { initMlp, mlp } from '../../nn/mlp.ts';
import { layerTable, type MlpSpec, parameterCount } from '../../nn/mlp-shape.ts';
import { ensembleProgress, trainRegressionEnsemble } from '../../train/ensemble.ts';
import { meanSquaredError } from '../../train/regression.ts';
import type { FitRun, SimulateFunctionConfig, SimulateFunctionData } from './spec.ts';

export { spec } from './spec.ts';

/** One run: a model fitted to one function from one seed. */
interface Member {
  fn: TargetId;
  seed: number;
}

/** Every run of one model, trained together as one batched model (nn/ensemble.ts). */
interface Job {
  model: number;
  members: Member[];
}

const mlpSpec = (config: SimulateFunctionConfig, model: number): MlpSpec => ({
  inputs: 1,
  outputs: 1,
  hidden: config.models[model]!.hidden,
  activation: config.activation,
});

/** A run's training inputs: the same sample for every model of a seed, so models differ only by architecture and init. */
function trainingInputs(config: SimulateFunctionConfig, { fn, seed }: Member): number[] {
  const dataRng = createRng(deriveSeed(seed, 'data', fn));
  return Array.from({ length: config.trainingPoints }, () => dataRng.next());
}

/** One model fitted to several functions from several seeds, all its runs at once. */
export function runOne(config: SimulateFunctionConfig, job: Job, report: (epoch: number, metric: string) => void): FitRun[] {
  const model = config.models[job.model]!;
  const n = config.trainingPoints;
  const inputs = job.members.map((m) => trainingInputs(config, m));
  const gridX = grid(config.gridPoints);
  const net = (p: readonly tf.Tensor[], x: tf.Tensor2D) => mlp(p, x, config.activation);
  const x = tf.tensor3d(inputs.flat(), [job.members.length, 1, n]);
  const y = tf.tensor3d(
    job.members.flatMap((m, i) => inputs[i]!.map(targets[m.fn].f)),
    [job.members.length, 1, n],
  );
  const initial = job.members.map((m) => initMlp(mlpSpec(config, job.model), createRng(deriveSeed(m.seed, 'init', model.name))));
  const gx = tf.tensor2d(gridX, [gridX.length, 1]);
  try {
    const trained = trainRegressionEnsemble(mlpSpec(config, job.model), initial, x, y, {
      epochs: config.epochs,
      learningRate: config.learningRate,
      onEpoch: (epoch, losses) => report(epoch, ensembleProgress(losses)),
    });
    return trained.map((result, i) => {
      const { fn, seed } = job.members[i]!;
      const target = targets[fn];
      try {
        if (result.diverged) return { seed, losses: result.losses, diverged: result.diverged, finalLoss: null, gridLoss: null, prediction: null };
        const own = tf.tensor2d(inputs[i]!, [n, 1]);
        const ownY = tf.tensor2d(inputs[i]!.map(target.f), [n, 1]);
        const gy = tf.tensor2d(gridX.map(target.f), [gridX.length, 1]);
        const finalLoss = meanSquaredError(net, result.params, own, ownY);
        const gridLoss = meanSquaredError(net, result.params, gx, gy);
        const prediction = tf.tidy(() => Array.from(net(result.params, gx).dataSync()));
        tf.dispose([own, ownY, gy]);
        const value = firstNonFinite([finalLoss, gridLoss, ...prediction]);
        if (value) {
          // The last update itself blew up: the trained model is as unusable as a diverged run.
          return { seed, losses: result.losses, diverged: { epoch: config.epochs, value }, finalLoss: null, gridLoss: null, prediction: null };
        }
        return { seed, losses: result.losses, diverged: null, finalLoss, gridLoss, prediction };
      } finally {
        tf.dispose(result.params);
      }
    });
  } finally {
    tf.dispose([x, y, gx, ...initial.flat()]);
  }
}

function summary(runs: FitRun[]): string {
  const fitted = runs.filter((r) => !r.diverged);
  const diverged = runs.length - fitted.length;
  if (!fitted.length) return `all ${runs.length} runs DIVERGED`;
  const losses = fitted.map((r) => r.finalLoss!);
  const grids = fitted.map((r) => r.gridLoss!);
  return `${runs.length} runs, ${fitted[0]!.losses.length} epochs, training loss median ${median(losses).toExponential(3)} (${Math.min(...losses).toExponential(2)} to ${Math.max(...losses).toExponential(2)}), grid loss median ${median(grids).toExponential(3)}${diverged ? `, ${diverged} DIVERGED` : ''}`;
}

export async function run(config: SimulateFunctionConfig, ctx: StageContext): Promise<SimulateFunctionData> {
  const members = config.functions.flatMap((fn) => config.seeds.map((seed) => ({ fn, seed })));
  const jobs: Job[] = config.models.map((_, m) => ({ model: m, members }));
  const ensembles = await ctx.runJobs(
    config,
    jobs,
    (j) => ({
      label: `${config.models[j.model]!.name} (${j.members.length} runs: ${config.functions.join(', ')} × ${config.seeds.length} seeds)`,
      steps: config.epochs,
    }),
    { unit: 'epoch', summary, noun: 'ensemble' },
  );
  const runOf = (fn: TargetId, m: number, seed: number): FitRun => ensembles[m]![members.findIndex((x) => x.fn === fn && x.seed === seed)]!;
  for (const fn of config.functions) {
    config.models.forEach((model, m) => {
      for (const seed of config.seeds) {
        const r = runOf(fn, m, seed);
        if (r.diverged) ctx.log.warn(`${fn} · ${model.name} · seed ${seed} diverged at epoch ${r.diverged.epoch}; it is reported, not drawn`);
      }
    });
  }

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
        runs: config.seeds.map((seed) => runOf(id, m, seed)),
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
