/**
 * 1-1 Deep vs shallow, "Simulate a function": fully connected networks of
 * nearly equal size and different depth fit one-dimensional functions.
 */
import * as tf from '@tensorflow/tfjs';
import { initMlp, layerTable, mlp, parameterCount, type MlpSpec } from '../mlp.ts';
import { createRng, deriveSeed } from '../random.ts';
import type { StageContext } from '../run-stage.ts';
import { grid, targets } from '../targets.ts';
import { meanSquaredError, trainRegression } from '../train.ts';
import { simulateFunction, type FitRun, type SimulateFunctionConfig, type SimulateFunctionData } from './simulate-function.schema.ts';

export const spec = simulateFunction;

export async function run(config: SimulateFunctionConfig, ctx: StageContext): Promise<SimulateFunctionData> {
  const specs = config.models.map((m): MlpSpec => ({ inputs: 1, outputs: 1, hidden: m.hidden, activation: config.activation }));
  const gridX = grid(config.gridPoints);
  const runs = config.functions.length * config.models.length * config.seeds.length;
  const progress = ctx.log.progress(runs * config.epochs, 'epoch');
  let runIndex = 0;

  const functions = config.functions.map((id) => {
    const target = targets[id];
    const gridY = gridX.map(target.f);
    const results = config.models.map((model, m) => ({
      model: model.name,
      runs: config.seeds.map((seed): FitRun => {
        runIndex += 1;
        // The same training sample for every model of a seed, so models differ only by architecture and init.
        const dataRng = createRng(deriveSeed(seed, 'data', id));
        const xs = Array.from({ length: config.trainingPoints }, () => dataRng.next());
        const label = `run ${runIndex}/${runs} ${id} · ${model.name} · seed ${seed}`;
        progress.start(label, config.epochs);
        const net = (p: readonly tf.Tensor[], x: tf.Tensor2D) => mlp(p, x, config.activation);
        const x = tf.tensor2d(xs, [xs.length, 1]);
        const y = tf.tensor2d(xs.map(target.f), [xs.length, 1]);
        const gx = tf.tensor2d(gridX, [gridX.length, 1]);
        const gy = tf.tensor2d(gridY, [gridY.length, 1]);
        const initial = initMlp(specs[m]!, createRng(deriveSeed(seed, 'init', model.name)));
        try {
          const result = trainRegression(net, initial, x, y, {
            epochs: config.epochs,
            learningRate: config.learningRate,
            onEpoch: (epoch, loss) => progress.update(epoch, `loss ${loss.toExponential(2)}`),
          });
          if (result.diverged) {
            progress.end(`DIVERGED at epoch ${result.diverged.epoch} (loss ${result.diverged.value})`);
            ctx.log.warn(`${id} · ${model.name} · seed ${seed} diverged at epoch ${result.diverged.epoch}; it is reported, not drawn`);
            tf.dispose(result.params);
            return { seed, losses: result.losses, diverged: result.diverged, finalLoss: null, gridLoss: null, prediction: null };
          }
          const finalLoss = meanSquaredError(net, result.params, x, y);
          const gridLoss = meanSquaredError(net, result.params, gx, gy);
          const prediction = tf.tidy(() => Array.from(net(result.params, gx).dataSync()));
          tf.dispose(result.params);
          if (![finalLoss, gridLoss, ...prediction].every(Number.isFinite)) {
            // The last update itself blew up: the trained model is as unusable as a diverged run.
            const value = Number.isNaN(finalLoss) || Number.isNaN(gridLoss) ? 'NaN' : 'Infinity';
            const diverged = { epoch: config.epochs, value } as const;
            progress.end(`DIVERGED after the last epoch (loss ${value})`);
            ctx.log.warn(`${id} · ${model.name} · seed ${seed} diverged after the last epoch; it is reported, not drawn`);
            return { seed, losses: result.losses, diverged, finalLoss: null, gridLoss: null, prediction: null };
          }
          progress.end(`${config.epochs} epochs, training loss ${finalLoss.toExponential(3)}, grid loss ${gridLoss.toExponential(3)}`);
          return { seed, losses: result.losses, diverged: null, finalLoss, gridLoss, prediction };
        } finally {
          tf.dispose([x, y, gx, gy, ...initial]);
        }
      }),
    }));
    return { id, label: target.label, tex: target.tex, grid: { x: gridX, y: gridY }, results };
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
      parameters: parameterCount(specs[m]!),
      layers: layerTable(specs[m]!),
    })),
    functions,
  };
}
