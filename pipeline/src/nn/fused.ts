/**
 * A layer's product, bias and ReLU as one kernel: tfjs's `_FusedMatMul` and
 * `FusedConv2D`, which every backend has (XNNPACK on wasm, oneDNN post-ops
 * with the native kernels), called directly because tfjs's own fused ops fall
 * back to separate kernels under a gradient tape when the activation is not
 * linear. The gradients are registered here for those kernels, written with
 * differentiable tfjs ops (products, convolution gradients, sums), so
 * second-order derivatives through a layer stay exact: ReLU's derivative is
 * read from the output (y > 0), whose own derivative is zero almost everywhere.
 * Each input's gradient is computed only when the tape needs it (no input
 * gradient for the first layer's data). test/unit/fused.test.ts checks values,
 * gradients and Hessian-vector products against the unfused ops.
 */
import * as tf from '@tensorflow/tfjs';
import { RELU_GRAD, SPARSE_SOFTMAX_CROSS_ENTROPY, SPARSE_SOFTMAX_CROSS_ENTROPY_GRAD } from '../core/kernel-names.ts';

export type FusedActivation = 'linear' | 'relu';

/** act(x·W + b) for x [batch, in], W [in, out], b [out]. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: FusedActivation): tf.Tensor2D {
  // The kernel takes rank-3 operands (a batch of one product), as tfjs's own fused matMul passes them; reshapes are free.
  const a = tf.reshape(x, [1, ...x.shape]);
  const y = tf.engine().runKernel(tf._FusedMatMul, { a, b: tf.reshape(w, [1, ...w.shape]), bias: b }, { transposeA: false, transposeB: false, activation });
  return tf.reshape(y as tf.Tensor, [x.shape[0], w.shape[1]]);
}

/** act(conv2d(x, W, stride 1, 'same') + b) for x [N, H, W, C] (NHWC), W [KH, KW, C, F], b [F]. */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, activation: FusedActivation): tf.Tensor4D {
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined, activation };
  return tf.engine().runKernel(tf.FusedConv2D, { x, filter: w, bias: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/**
 * Mean softmax cross-entropy of logits [B, C] against int32 labels [B]: one
 * kernel (and one for its gradient) where the backend has it, else tfjs's
 * softmaxCrossEntropy on one-hot labels. First order only: training, not Hessians
 * (analysis/losses.ts has the loss that is exact at second order).
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  if (!tf.getKernel(SPARSE_SOFTMAX_CROSS_ENTROPY, tf.getBackend())) {
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]), logits) as tf.Scalar;
  }
  const [loss, probabilities] = tf.engine().runKernel(SPARSE_SOFTMAX_CROSS_ENTROPY, { logits, labels }, {}) as [tf.Scalar, tf.Tensor2D];
  probabilities.dispose();
  return loss;
}

tf.registerGradient({
  kernelName: SPARSE_SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ['labels'],
  outputsToSave: [false, true],
  gradFunc: (dy, saved) => {
    const [labels, probabilities] = saved as [tf.Tensor, tf.Tensor];
    const dLoss = (Array.isArray(dy) ? dy[0] : dy) as tf.Tensor;
    return {
      logits: () => tf.engine().runKernel(SPARSE_SOFTMAX_CROSS_ENTROPY_GRAD, { dy: dLoss, probabilities, labels }, {}) as tf.Tensor,
    };
  },
});

/** dL/dz from dL/dy for y = act(z). */
function preActivation(dy: tf.Tensor, y: tf.Tensor, activation: string): tf.Tensor {
  if (activation === 'linear') return dy;
  if (activation === 'relu') return reluGradient(dy, y);
  throw new Error(`no gradient for a fused ${activation} activation here (linear and relu only)`);
}

/** dy where y > 0: one kernel where the backend has it, else dy · step(y). */
function reluGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (!tf.getKernel(RELU_GRAD, tf.getBackend())) return tf.mul(dy, tf.step(y));
  return tf.engine().runKernel(RELU_GRAD, { dy, y }, {}) as tf.Tensor;
}

// Linear in dy, constant in y almost everywhere: what makes second derivatives through a ReLU layer exact.
tf.registerGradient({
  kernelName: RELU_GRAD,
  inputsToSave: ['y'],
  gradFunc: (ddz, [y]) => ({ dy: () => reluGradient(ddz as tf.Tensor, y!), y: () => tf.zerosLike(y!) }),
});

/** The gradient of a bias broadcast along the leading axes of dz. */
function biasGradient(dz: tf.Tensor, bias: tf.Tensor): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(bias.shape, dz.shape);
  return axes.length ? tf.reshape(tf.sum(dz, axes), bias.shape) : dz;
}

tf.registerGradient({
  kernelName: tf._FusedMatMul,
  inputsToSave: ['a', 'b', 'bias'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [a, b, bias, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor | undefined, tf.Tensor];
    const { transposeA, transposeB, activation } = attrs as unknown as tf._FusedMatMulAttrs;
    const dz = preActivation(dy as tf.Tensor, y, activation);
    const m = (p: tf.Tensor, q: tf.Tensor, tp: boolean, tq: boolean) => tf.matMul(p, q, tp, tq);
    // The four cases of tfjs's own matMul gradient.
    const grads: Record<string, () => tf.Tensor> = {
      a: () =>
        !transposeA && !transposeB ? m(dz, b, false, true) : !transposeA ? m(dz, b, false, false) : !transposeB ? m(b, dz, false, true) : m(b, dz, true, true),
      b: () =>
        !transposeA && !transposeB ? m(a, dz, true, false) : !transposeA ? m(dz, a, true, false) : !transposeB ? m(a, dz, false, false) : m(dz, a, true, true),
    };
    if (bias) grads.bias = () => biasGradient(dz, bias);
    return grads;
  },
});

tf.registerGradient({
  kernelName: tf.FusedConv2D,
  inputsToSave: ['x', 'filter', 'bias'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, bias, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor | undefined, tf.Tensor4D];
    const { strides, pad, dataFormat, dimRoundingMode, dilations, activation } = attrs as unknown as tf.FusedConv2DAttrs;
    const dilation = typeof dilations === 'number' ? [dilations, dilations] : dilations;
    if (dilation.some((d) => d !== 1)) throw new Error('no gradient for a dilated fused convolution');
    const dz = preActivation(dy as tf.Tensor, y, activation) as tf.Tensor4D;
    const convAttrs = { strides, pad, dataFormat, dimRoundingMode };
    const grads: Record<string, () => tf.Tensor> = {
      x: () =>
        tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...convAttrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...convAttrs, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    };
    if (bias) grads.bias = () => biasGradient(dz, bias);
    return grads;
  },
});
