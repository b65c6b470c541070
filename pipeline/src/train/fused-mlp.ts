/**
 * R full-batch MLP regressions of one shape trained by the native fused
 * kernel (native/src/mlp.cc, `mlpEnsembleTrain`): forward pass, loss,
 * backward pass and Adam of every run, for any number of steps, in one call,
 * where the tfjs path dispatches dozens of kernels per step. Everything lives
 * in one Float32Array the kernel reads and writes in place: per run its
 * parameters (W_l as [out, in], then b_l), Adam's two moments, its data
 * [features, samples], and the steps' losses. Adam is tfjs's, with its default
 * betas and the backend's epsilon, as the tfjs path's optimizer has them.
 */
import * as tf from '@tensorflow/tfjs';
import type { Addon } from '../native/addon.ts';
import { layerSizes, type MlpSpec, parameterCount } from '../nn/mlp-shape.ts';
import { ADAM_BETAS } from './adam.ts';

const { beta1: BETA1, beta2: BETA2 } = ADAM_BETAS;

export class FusedMlpEnsemble {
  readonly runs: number;
  private readonly sizes: number[];
  private readonly perRun: number;
  private readonly heap: Float32Array;
  private readonly args: Float64Array;
  /** Where the step count and the losses' element count sit in `args`. */
  private readonly stepsArg: number;
  private readonly lossCountArg: number;
  private readonly lossesAt: number;
  private readonly maxSteps: number;
  private readonly addon: Addon;

  /**
   * `initial`: one parameter list per run as initMlp makes them; x [R, inputs, N] and y [R, outputs, N] as flat arrays;
   * at most `maxSteps` steps per call of train().
   */
  constructor(
    addon: Addon,
    spec: MlpSpec,
    initial: readonly (readonly tf.Tensor[])[],
    x: Float32Array,
    y: Float32Array,
    samples: number,
    learningRate: number,
    maxSteps: number,
  ) {
    this.addon = addon;
    const runs = initial.length;
    const sizes = layerSizes(spec);
    const layers = sizes.length - 1;
    const perRun = parameterCount(spec);
    if (x.length !== runs * spec.inputs * samples || y.length !== runs * spec.outputs * samples) {
      throw new Error(`the data do not have the shape [${runs}, features, ${samples}] the ensemble needs`);
    }
    this.runs = runs;
    this.sizes = sizes;
    this.perRun = perRun;
    this.maxSteps = maxSteps;
    const block = runs * perRun;
    // params, first moments, second moments, x, y, stopped flags, beta powers, losses.
    const counts = [block, block, block, x.length, y.length, runs, 2, maxSteps * runs];
    const offsets = counts.map((_, i) => counts.slice(0, i).reduce((a, b) => a + b, 0));
    this.heap = new Float32Array(offsets.at(-1)! + counts.at(-1)!);
    this.lossesAt = offsets[7]!;
    this.heap.set(x, offsets[3]);
    this.heap.set(y, offsets[4]);
    this.heap[offsets[6]!] = BETA1;
    this.heap[offsets[6]! + 1] = BETA2;
    initial.forEach((params, r) => {
      let at = r * perRun;
      for (let l = 0; l < layers; l++) {
        const [inp, out] = [sizes[l]!, sizes[l + 1]!];
        const w = params[2 * l]!.dataSync();
        // initMlp's W is [in, out]; the kernel's rows are the outputs.
        for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) this.heap[at + o * inp + i] = w[i * out + o]!;
        at += inp * out;
        this.heap.set(params[2 * l + 1]!.dataSync(), at);
        at += out;
      }
    });
    // As mlp.cc reads them: the shape, the step count, Adam's constants, then (byte offset, count) of each array.
    const where = (i: number) => [offsets[i]! * 4, counts[i]!];
    const list = [runs, samples, layers, ...sizes, spec.activation === 'relu' ? 0 : 1];
    this.stepsArg = list.length;
    list.push(0, learningRate, BETA1, BETA2, tf.backend().epsilon());
    for (const i of [0, 1, 2, 3, 4]) list.push(...where(i));
    this.lossCountArg = list.length + 1;
    for (const i of [7, 5, 6]) list.push(...where(i));
    this.args = Float64Array.from(list);
  }

  /**
   * `steps` Adam steps of every run; returns the losses as [steps, R] (valid until the next call). A run whose loss is not
   * finite keeps that step's update and is frozen: its later losses are NaN.
   */
  train(steps: number): Float32Array {
    if (steps > this.maxSteps) throw new Error(`at most ${this.maxSteps} steps per call`);
    this.args[this.stepsArg] = steps;
    this.args[this.lossCountArg] = steps * this.runs;
    this.addon.mlpEnsembleTrain(this.heap.buffer, this.args);
    return this.heap.subarray(this.lossesAt, this.lossesAt + steps * this.runs);
  }

  /** Run r's parameters in mlp()'s layout [W_1 [in, out], b_1 [out], …] (caller disposes). */
  params(r: number): tf.Tensor[] {
    const params: tf.Tensor[] = [];
    let at = r * this.perRun;
    for (let l = 0; l + 1 < this.sizes.length; l++) {
      const [inp, out] = [this.sizes[l]!, this.sizes[l + 1]!];
      const w = new Float32Array(inp * out);
      for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) w[i * out + o] = this.heap[at + o * inp + i]!;
      params.push(tf.tensor2d(w, [inp, out]));
      at += inp * out;
      params.push(tf.tensor1d(this.heap.slice(at, at + out)));
      at += out;
    }
    return params;
  }
}
