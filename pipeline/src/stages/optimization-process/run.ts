/**
 * 1-2 Optimization, "Visualize the optimization process" and "Observe
 * gradient norm during training": one MLP trained from several seeds, its
 * parameter snapshots reduced to 2-D by one PCA over all runs (whole model
 * and one layer), the gradient norm per step, and the error surface around
 * one trained solution.
 */
import * as tf from '@tensorflow/tfjs';
import { pca2 } from '../../analysis/pca.ts';
import { axisAround, lossSurface, projectOntoPlane } from '../../analysis/surface.ts';
import { firstNonFinite } from '../../core/divergence.ts';
import { createRng, deriveSeed } from '../../core/random.ts';
import type { StageContext } from '../../core/stage.ts';
import { targets } from '../../data/targets.ts';
import { initMlp, mlp } from '../../nn/mlp.ts';
import { type MlpSpec, parameterCount, parameterShapes } from '../../nn/mlp-shape.ts';
import { unflatten } from '../../nn/params.ts';
import { type TrajectoryRun, trainWithTrajectory } from '../../train/trajectory.ts';
import type { OptimizationProcessConfig, OptimizationProcessData } from './spec.ts';

export { spec } from './spec.ts';

interface Job {
  seed: number;
  label: string;
}

interface RunResult extends TrajectoryRun {
  seed: number;
  finalLoss: number | null;
}

const mlpSpec = (config: OptimizationProcessConfig): MlpSpec => ({ inputs: 1, outputs: 1, hidden: config.hidden, activation: config.activation });

/** The training sample, the same for every run. */
function trainingData(config: OptimizationProcessConfig): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rng = createRng(deriveSeed(config.dataSeed, 'data', config.target));
  const xs = Array.from({ length: config.trainingPoints }, () => rng.next());
  return { x: tf.tensor2d(xs, [xs.length, 1]), y: tf.tensor2d(xs.map(targets[config.target].f), [xs.length, 1]) };
}

/** Training MSE on all points at a flattened parameter vector θ. */
function lossAt(config: OptimizationProcessConfig, x: tf.Tensor2D, y: tf.Tensor2D): (theta: Float32Array) => number {
  const s = mlpSpec(config);
  return (theta) => tf.tidy(() => tf.mean(tf.squaredDifference(mlp(unflatten(tf.tensor1d(theta), s), x, s.activation), y)).dataSync()[0]!);
}

/** Where layer `layer` (W, b) sits in the flattened parameter vector. */
function layerRange(config: OptimizationProcessConfig): { start: number; end: number } {
  const sizes = parameterShapes(mlpSpec(config)).map((shape) => shape.reduce((a, b) => a * b, 1));
  const start = sizes.slice(0, 2 * (config.layer - 1)).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[2 * (config.layer - 1)]! + sizes[2 * config.layer - 1]! };
}

export function runOne(config: OptimizationProcessConfig, job: Job, report: (epoch: number, metric: string) => void): RunResult {
  const { x, y } = trainingData(config);
  const initial = initMlp(mlpSpec(config), createRng(deriveSeed(job.seed, 'init')));
  try {
    const run = trainWithTrajectory((p, input) => mlp(p, input, config.activation), initial, x, y, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      recordEvery: config.recordEvery,
      optimizer: config.optimizer,
      learningRate: config.learningRate,
      shuffle: createRng(deriveSeed(job.seed, 'shuffle')),
      onEpoch: (epoch, loss) => report(epoch, `loss ${loss.toExponential(2)}`),
    });
    const finalLoss = run.diverged ? null : lossAt(config, x, y)(run.snapshots.at(-1)!);
    const bad = finalLoss === null ? null : firstNonFinite([finalLoss]);
    if (bad) {
      // The last update itself blew up: as unusable as a run that diverged earlier.
      return { ...run, seed: job.seed, finalLoss: null, diverged: { epoch: config.epochs, iteration: run.iterationLoss.length, value: bad } };
    }
    return { ...run, seed: job.seed, finalLoss };
  } finally {
    tf.dispose([x, y, ...initial]);
  }
}

function summary(r: RunResult): string {
  if (r.diverged) return `DIVERGED at epoch ${r.diverged.epoch}, step ${r.diverged.iteration} (${r.diverged.value})`;
  return `${r.iterationLoss.length} steps, ${r.snapshots.length} snapshots, training loss ${r.finalLoss!.toExponential(3)}, last gradient norm ${r.gradientNorm.at(-1)!.toExponential(2)}`;
}

/** Loss on the plane through `run`'s trained solution spanned by its own trajectory's two PCA directions. */
function errorSurface(config: OptimizationProcessConfig, run: RunResult): NonNullable<OptimizationProcessData['surface']> {
  const { x, y } = trainingData(config);
  try {
    const loss = lossAt(config, x, y);
    const own = pca2(run.snapshots);
    const plane = { center: run.snapshots.at(-1)!, u: own.components[0], v: own.components[1] };
    const path = projectOntoPlane(plane, run.snapshots);
    const { resolution, margin } = config.surface;
    const grid = lossSurface(
      loss,
      plane,
      axisAround(
        path.map((p) => p[0]),
        resolution,
        margin,
      ),
      axisAround(
        path.map((p) => p[1]),
        resolution,
        margin,
      ),
    );
    return {
      seed: run.seed,
      directions: `the two PCA directions of seed ${run.seed}'s own trajectory`,
      explainedVariance: own.explainedVariance,
      ...grid,
      trajectory: { epoch: run.snapshotEpochs, alpha: path.map((p) => p[0]), beta: path.map((p) => p[1]), loss: run.snapshots.map(loss) },
    };
  } finally {
    tf.dispose([x, y]);
  }
}

const coordinates = (points: Array<[number, number]>) => ({ x: points.map((p) => p[0]), y: points.map((p) => p[1]) });

export async function run(config: OptimizationProcessConfig, ctx: StageContext): Promise<OptimizationProcessData> {
  const jobs: Job[] = config.seeds.map((seed) => ({ seed, label: `seed ${seed}` }));
  const runs = await ctx.runJobs(config, jobs, (j) => ({ label: j.label, steps: config.epochs }), { unit: 'epoch', summary });
  for (const r of runs) if (r.diverged) ctx.log.warn(`seed ${r.seed} diverged at epoch ${r.diverged.epoch}; it is reported, not drawn`);

  // One PCA over every finished run's snapshots together: diverged runs' huge weights would dominate the components.
  const finished = runs.filter((r) => !r.diverged);
  const { start, end } = layerRange(config);
  const snapshots = finished.flatMap((r) => r.snapshots);
  const model = finished.length ? pca2(snapshots) : null;
  const layer = finished.length ? pca2(snapshots.map((s) => s.subarray(start, end))) : null;
  const offsets = finished.map((_, i) => finished.slice(0, i).reduce((n, r) => n + r.snapshots.length, 0));
  const projected = (p: ReturnType<typeof pca2> | null, r: RunResult) => {
    const k = finished.indexOf(r);
    return p && k >= 0 ? coordinates(p.points.slice(offsets[k], offsets[k]! + r.snapshots.length)) : null;
  };
  const surface = finished.length ? errorSurface(config, finished[0]!) : null;
  const s = mlpSpec(config);

  return {
    training: {
      target: targets[config.target].label,
      activation: config.activation,
      hidden: config.hidden,
      parameters: parameterCount(s),
      layer: { index: config.layer, name: `W${config.layer}, b${config.layer}`, parameters: end - start },
      loss: 'mean squared error',
      optimizer: config.optimizer === 'adam' ? 'Adam' : 'SGD',
      learningRate: config.learningRate,
      batchSize: config.batchSize,
      stepsPerEpoch: Math.ceil(config.trainingPoints / config.batchSize),
      epochs: config.epochs,
      recordEvery: config.recordEvery,
      trainingPoints: config.trainingPoints,
      seeds: config.seeds,
      reduction: 'PCA (singular value decomposition of the centred snapshot matrix), 2 components, fitted once over all finished runs’ snapshots together',
    },
    pca: { model: model?.explainedVariance ?? null, layer: layer?.explainedVariance ?? null },
    runs: runs.map((r) => ({
      seed: r.seed,
      diverged: r.diverged,
      finalLoss: r.finalLoss,
      snapshotEpochs: r.snapshotEpochs,
      model: projected(model, r),
      layer: projected(layer, r),
      iterations: { loss: r.iterationLoss, gradientNorm: r.gradientNorm },
    })),
    surface,
  };
}
