/**
 * Adam with one update over all parameters per step: where the active backend
 * has the `FusedAdam` kernel (the native kernels register it on wasm), every
 * variable is updated by that one call instead of about a dozen tfjs kernels
 * per variable; elsewhere this is tfjs's own AdamOptimizer. The kernel does
 * tfjs's arithmetic operation for operation in float32, with the bias
 * corrections kept as float32 running products as tfjs keeps them, so the
 * same gradients give bit-identical parameters on both paths (tested).
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM } from '../core/kernel-names.ts';

/** tfjs's Adam defaults, which every Adam here uses (this optimizer and the fused MLP step, train/fused-mlp.ts). */
export const ADAM_BETAS = { beta1: 0.9, beta2: 0.999 } as const;

export class FusedAdam extends tf.AdamOptimizer {
  /** Both moments of every variable, owned here alone: the kernel updates them in place. */
  private moments: { m: tf.Tensor; v: tf.Tensor }[] | null = null;
  /** beta^t as float32 running products, as tfjs's accBeta1 and accBeta2. */
  private acc1: number;
  private acc2: number;

  constructor(learningRate: number, beta1: number = ADAM_BETAS.beta1, beta2: number = ADAM_BETAS.beta2) {
    super(learningRate, beta1, beta2);
    this.acc1 = Math.fround(beta1);
    this.acc2 = Math.fround(beta2);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (!tf.getKernel(FUSED_ADAM, tf.getBackend())) {
      super.applyGradients(variableGradients);
      return;
    }
    const named = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor] as const)
      : Object.entries(variableGradients).map(([name, g]) => [name, g] as const);
    const present = named.filter(([, g]) => g != null);
    const variables = present.map(([name]) => tf.engine().registeredVariables[name]!);
    if (this.moments && this.moments.length !== variables.length) throw new Error('FusedAdam: the set of variables changed between steps');
    this.moments ??= variables.map((v) => ({ m: tf.keep(tf.zerosLike(v)), v: tf.keep(tf.zerosLike(v)) }));
    const inputs: tf.NamedTensorMap = {};
    variables.forEach((variable, i) => {
      inputs[`p${i}`] = variable;
      inputs[`g${i}`] = present[i]![1];
      inputs[`m${i}`] = this.moments![i]!.m;
      inputs[`v${i}`] = this.moments![i]!.v;
    });
    const attrs = {
      tensors: variables.length,
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      oneMinusAccBeta1: Math.fround(1 - this.acc1),
      oneMinusAccBeta2: Math.fround(1 - this.acc2),
    };
    const updated = tf.engine().runKernel(FUSED_ADAM, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    variables.forEach((variable, i) => {
      variable.assign(updated[i]!);
    });
    tf.dispose(updated);
    this.acc1 = Math.fround(this.acc1 * Math.fround(this.beta1));
    this.acc2 = Math.fround(this.acc2 * Math.fround(this.beta2));
    this.incrementIterations();
  }

  override dispose(): void {
    super.dispose();
    if (this.moments) tf.dispose(this.moments.flatMap(({ m, v }) => [m, v]));
    this.moments = null;
  }
}
