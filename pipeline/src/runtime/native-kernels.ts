/**
 * The native kernels (native/addon.ts) registered on the wasm backend: they
 * read and write tensors in place in wasm memory, so models keep the tfjs API
 * and nothing is copied. Convolutions (forward, both gradients) run in oneDNN's
 * blocked layout; matrix products (batched or not, either operand transposed)
 * in oneDNN's sgemm; `FusedAdam` updates every parameter tensor of a model in
 * one call (train/adam.ts uses it where a backend has it). Each replaced
 * kernel is kept and restored by `unregisterNativeKernels`, and serves the
 * cases the native one does not (NCHW, int32). What each gained is measured in
 * docs/benchmarks.md. test/stages/native-kernels.test.ts checks each against the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM, RELU_GRAD, SPARSE_SOFTMAX_CROSS_ENTROPY, SPARSE_SOFTMAX_CROSS_ENTROPY_GRAD } from '../core/kernel-names.ts';
import type { Addon } from '../native/addon.ts';
import type { WasmBackend } from './wasm-kernels.ts';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };
type Shape4 = [number, number, number, number];

const offsetOf = (b: WasmBackend, t: tf.TensorInfo) => b.dataIdMap.get(t.dataId).memoryOffset;
const size = (shape: readonly number[]) => tf.util.sizeFromShape(shape as number[]);
/** offset and element count: how every kernel argument names a tensor. */
const where = (b: WasmBackend, t: tf.TensorInfo) => [offsetOf(b, t), size(t.shape)];
// The heap is read after every allocation: growing wasm memory detaches the old buffer.
const heap = (b: WasmBackend) => b.wasm.HEAPU8.buffer;

function geometry(info: tf.backend_util.Conv2DInfo): number[] {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left, bottom, right } = info.padInfo;
  return [
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    top,
    left,
    bottom,
    right,
  ];
}

const float32 = (...ts: tf.TensorInfo[]) => ts.every((t) => t.dtype === 'float32');

function kernels(addon: Addon, previous: Map<string, tf.KernelConfig>) {
  const fallback = (name: string, args: KernelArgs) => previous.get(name)!.kernelFunc(args) as tf.TensorInfo;

  /**
   * Convolution, with the bias and ReLU (or none) as post-ops of the same oneDNN primitive: Conv2D is
   * FusedConv2D without either.
   */
  const convolve = (name: string, args: KernelArgs): tf.TensorInfo => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const { strides, pad, dataFormat, dilations, dimRoundingMode, activation = 'linear' } = args.attrs as unknown as tf.FusedConv2DAttrs;
    const outChannels = filter!.shape[3]!;
    const plainBias = !bias || (float32(bias) && size(bias.shape) === outChannels && bias.shape.at(-1) === outChannels);
    if (dataFormat !== 'NHWC' || !float32(x!, filter!) || preluActivationWeights || !plainBias || (activation !== 'linear' && activation !== 'relu')) {
      return fallback(name, args);
    }
    const b = args.backend as WasmBackend;
    const info = tf.backend_util.computeConv2DInfo(
      x!.shape as Shape4,
      filter!.shape as Shape4,
      strides,
      dilations,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const y = b.makeOutput(info.outShape, 'float32');
    const biasArgs = bias ? where(b, bias) : [0, 0];
    addon.convForward(
      heap(b),
      Float64Array.of(...geometry(info), ...where(b, x!), ...where(b, filter!), ...biasArgs, ...where(b, y), activation === 'relu' ? 1 : 0),
    );
    return y;
  };

  const conv2DBackpropInput = (args: KernelArgs): tf.TensorInfo => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (dataFormat !== 'NHWC' || !float32(dy, filter)) return fallback(tf.Conv2DBackpropInput, args);
    const b = args.backend as WasmBackend;
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const dx = b.makeOutput(inputShape, 'float32');
    addon.convBackwardData(heap(b), Float64Array.of(...geometry(info), ...where(b, dy), ...where(b, filter), ...where(b, dx)));
    return dx;
  };

  const conv2DBackpropFilter = (args: KernelArgs): tf.TensorInfo => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (dataFormat !== 'NHWC' || !float32(x, dy)) return fallback(tf.Conv2DBackpropFilter, args);
    const b = args.backend as WasmBackend;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const dw = b.makeOutput(filterShape, 'float32');
    addon.convBackwardWeights(heap(b), Float64Array.of(...geometry(info), ...where(b, x), ...where(b, dy), ...where(b, dw), 0, 0));
    return dw;
  };

  /** act(a·b + bias) through sgemm; `bias` and `activation` only for _FusedMatMul (a bias of one value per column, ReLU or none). */
  const product = (name: string, args: KernelArgs): tf.TensorInfo => {
    const {
      a,
      b: bIn,
      bias,
      preluActivationWeights,
    } = args.inputs as Record<string, tf.TensorInfo | undefined> as {
      a: tf.TensorInfo;
      b: tf.TensorInfo;
      bias?: tf.TensorInfo;
      preluActivationWeights?: tf.TensorInfo;
    };
    const { transposeA, transposeB, activation = 'linear' } = args.attrs as unknown as tf._FusedMatMulAttrs;
    const leadA = a.shape.slice(0, -2);
    const leadB = bIn.shape.slice(0, -2);
    const [batchA, batchB] = [size(leadA), size(leadB)];
    const sameLead = leadA.length === leadB.length && leadA.every((d, i) => d === leadB[i]);
    const [m, k] = transposeA ? [a.shape.at(-1)!, a.shape.at(-2)!] : [a.shape.at(-2)!, a.shape.at(-1)!];
    const [k2, n] = transposeB ? [bIn.shape.at(-1)!, bIn.shape.at(-2)!] : [bIn.shape.at(-2)!, bIn.shape.at(-1)!];
    const plainBias = !bias || (float32(bias) && size(bias.shape) === n && bias.shape.at(-1) === n);
    // Broadcasting beyond "the same batch" or "one matrix against a batch" stays with the previous kernel.
    const supported = float32(a, bIn) && (sameLead || batchA === 1 || batchB === 1) && k === k2 && plainBias && !preluActivationWeights;
    if (!supported || (activation !== 'linear' && activation !== 'relu')) return fallback(name, args);
    const lead = tf.backend_util.assertAndGetBroadcastShape(leadA, leadB);
    const b = args.backend as WasmBackend;
    const out = b.makeOutput([...lead, m, n], 'float32');
    const batch = Math.max(batchA, batchB);
    const biasArgs = bias ? where(b, bias) : [0, 0];
    addon.matMul(
      heap(b),
      Float64Array.of(
        batch,
        batchA,
        batchB,
        m,
        n,
        k,
        transposeA ? 1 : 0,
        transposeB ? 1 : 0,
        ...where(b, a),
        ...where(b, bIn),
        ...where(b, out),
        ...biasArgs,
        activation === 'relu' ? 1 : 0,
      ),
    );
    return out;
  };

  const maxPoolGrad = (args: KernelArgs): tf.TensorInfo => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
    if (!float32(dy, input)) return fallback(tf.MaxPoolGrad, args);
    const b = args.backend as WasmBackend;
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    const dx = b.makeOutput([...input.shape], 'float32');
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
    addon.maxPoolBackward(
      heap(b),
      Float64Array.of(
        batchSize,
        inHeight,
        inWidth,
        inChannels,
        outHeight,
        outWidth,
        filterHeight,
        filterWidth,
        strideHeight,
        strideWidth,
        info.padInfo.top,
        info.padInfo.left,
        ...where(b, dy),
        ...where(b, input),
        ...where(b, dx),
      ),
    );
    return dx;
  };

  /** Sums over leading axes (every bias gradient: [N,H,W,C] → [C], [B,F] → [F]) in one pass; other sums fall back. */
  const sum = (args: KernelArgs): tf.TensorInfo => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
    if (x.dtype !== 'float32' || !leading) return fallback(tf.Sum, args);
    const b = args.backend as WasmBackend;
    const rest = x.shape.slice(axes.length);
    const out = b.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest, 'float32');
    addon.sumRows(heap(b), Float64Array.of(size(x.shape.slice(0, axes.length)), size(rest), ...where(b, x), ...where(b, out)));
    return out;
  };

  const reluGrad = (args: KernelArgs): tf.TensorInfo => {
    const { dy, y } = args.inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
    const b = args.backend as WasmBackend;
    const dz = b.makeOutput([...y.shape], 'float32');
    addon.reluGrad(heap(b), Float64Array.of(size(y.shape), ...where(b, dy), ...where(b, y), ...where(b, dz)));
    return dz;
  };

  const softmaxCrossEntropy = (args: KernelArgs): tf.TensorInfo[] => {
    const { logits, labels } = args.inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
    const [rows, classes] = logits.shape as [number, number];
    const b = args.backend as WasmBackend;
    const loss = b.makeOutput([], 'float32');
    const probabilities = b.makeOutput([rows, classes], 'float32');
    addon.softmaxCrossEntropy(heap(b), Float64Array.of(rows, classes, ...where(b, logits), ...where(b, labels), ...where(b, loss), ...where(b, probabilities)));
    return [loss, probabilities];
  };

  const softmaxCrossEntropyGrad = (args: KernelArgs): tf.TensorInfo => {
    const { dy, probabilities, labels } = args.inputs as { dy: tf.TensorInfo; probabilities: tf.TensorInfo; labels: tf.TensorInfo };
    const [rows, classes] = probabilities.shape as [number, number];
    const b = args.backend as WasmBackend;
    const dz = b.makeOutput([rows, classes], 'float32');
    addon.softmaxCrossEntropyGrad(heap(b), Float64Array.of(rows, classes, ...where(b, probabilities), ...where(b, labels), ...where(b, dy), ...where(b, dz)));
    return dz;
  };

  /**
   * One Adam step over every parameter: inputs p<i>, g<i>, m<i>, v<i> for i < attrs.tensors;
   * m<i> and v<i> are updated in place (the optimizer owns them alone), the new values returned.
   */
  const fusedAdam = (args: KernelArgs): tf.TensorInfo[] => {
    const b = args.backend as WasmBackend;
    const { tensors, learningRate, beta1, beta2, epsilon, oneMinusAccBeta1, oneMinusAccBeta2 } = args.attrs as Record<string, number>;
    const ins = args.inputs as Record<string, tf.TensorInfo>;
    const outs = Array.from({ length: tensors! }, (_, i) => b.makeOutput([...ins[`p${i}`]!.shape], 'float32'));
    const list = [tensors!, learningRate!, beta1!, beta2!, epsilon!, oneMinusAccBeta1!, oneMinusAccBeta2!];
    outs.forEach((out, i) => {
      const p = ins[`p${i}`]!;
      list.push(size(p.shape), ...where(b, p), ...where(b, ins[`g${i}`]!), ...where(b, ins[`m${i}`]!), ...where(b, ins[`v${i}`]!), ...where(b, out));
    });
    addon.adam(heap(b), Float64Array.from(list));
    return outs;
  };

  return new Map<string, tf.KernelFunc>([
    [tf.Conv2D, ((args: KernelArgs) => convolve(tf.Conv2D, args)) as tf.KernelFunc],
    [tf.Conv2DBackpropInput, conv2DBackpropInput as tf.KernelFunc],
    [tf.Conv2DBackpropFilter, conv2DBackpropFilter as tf.KernelFunc],
    [tf.FusedConv2D, ((args: KernelArgs) => convolve(tf.FusedConv2D, args)) as tf.KernelFunc],
    [tf.BatchMatMul, ((args: KernelArgs) => product(tf.BatchMatMul, args)) as tf.KernelFunc],
    [tf._FusedMatMul, ((args: KernelArgs) => product(tf._FusedMatMul, args)) as tf.KernelFunc],
    [tf.MaxPoolGrad, maxPoolGrad as tf.KernelFunc],
    [tf.Sum, sum as tf.KernelFunc],
    [FUSED_ADAM, fusedAdam as unknown as tf.KernelFunc],
    [RELU_GRAD, reluGrad as tf.KernelFunc],
    [SPARSE_SOFTMAX_CROSS_ENTROPY, softmaxCrossEntropy as unknown as tf.KernelFunc],
    [SPARSE_SOFTMAX_CROSS_ENTROPY_GRAD, softmaxCrossEntropyGrad as tf.KernelFunc],
  ]);
}

/** The wasm kernels the native ones replaced (undefined: there was none), to restore them. */
let replaced: Map<string, tf.KernelConfig | undefined> | null = null;

/** Registers the native kernels on the wasm backend (after the wasm training kernels). */
export function registerNativeKernels(addon: Addon): void {
  if (replaced) return;
  const previous = new Map<string, tf.KernelConfig>();
  replaced = new Map();
  for (const [name, kernelFunc] of kernels(addon, previous)) {
    const current = tf.getKernel(name, 'wasm');
    replaced.set(name, current);
    if (current) {
      previous.set(name, current);
      tf.unregisterKernel(name, 'wasm');
    }
    // Keep the setup of the kernel replaced: a re-initialised backend must still bind the fallback.
    tf.registerKernel({ ...(current ?? {}), kernelName: name, backendName: 'wasm', kernelFunc });
  }
}

/** Puts the replaced kernels back: the pure-wasm path, as if the native ones had never been registered. */
export function unregisterNativeKernels(): void {
  if (!replaced) return;
  for (const [name, previous] of replaced) {
    tf.unregisterKernel(name, 'wasm');
    if (previous) tf.registerKernel(previous);
  }
  replaced = null;
}
