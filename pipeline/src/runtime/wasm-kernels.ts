/**
 * Training kernels for the wasm backend of tfjs 4.22. A CNN training step
 * (conv2d, relu, maxPool, dense, softmax cross-entropy, Adam) lacks one kernel
 * there, `Conv2DBackpropFilter`, and two it has are slow plain C++ loops
 * (`Conv2DBackpropInput`, `MaxPoolGrad`; the latter also wrong, see
 * maxPoolGrad). All three are built here from kernels wasm runs natively
 * (Conv2D and MaxPool are XNNPACK), called the way wasm's own kernels compose
 * each other: kernel functions on raw tensor infos, each intermediate freed
 * with `backend.disposeData`. test/stages/wasm-kernels.test.ts checks them against cpu.
 */
import * as tf from '@tensorflow/tfjs';

type Backend = tf.KernelBackend;

/** What kernels here and in native-kernels.ts need of tfjs's wasm backend: where a tensor lives in its memory, and that memory. */
export interface WasmBackend extends tf.KernelBackend {
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number; shape: number[] } };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: tf.DataId): void;
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
}
type Shape4 = [number, number, number, number];
type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: Backend; attrs?: tf.NamedAttrMap };

/** Runs one of the wasm backend's own kernels on raw tensor infos (no engine bookkeeping). */
function run(name: string, backend: Backend, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm-kernels: the wasm backend has no '${name}' kernel to build on`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** Intermediate tensors of a kernel: `keep` records one as it is made, and every one in `temps` is disposed at the end. */
function scratch(): { temps: tf.TensorInfo[]; keep: (t: tf.TensorInfo) => tf.TensorInfo } {
  const temps: tf.TensorInfo[] = [];
  const keep = (t: tf.TensorInfo): tf.TensorInfo => {
    temps.push(t);
    return t;
  };
  return { temps, keep };
}

/**
 * dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−padT, ow·s+kw−padL, ci] · dy[n,oh,ow,co].
 * With ci as the batch, n as the input channel and dy as a filter of size
 * [OH, OW] dilated by the stride, that is a stride-1 convolution:
 * conv2d(xᵀ [Ci,H,W,N], dyᵀ [OH,OW,N,Co], dilation s) → [Ci,KH,KW,Co].
 */
function conv2DBackpropFilter({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') throw new Error(`wasm Conv2DBackpropFilter supports NHWC only, got ${dataFormat}`);
  const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const { top, left } = info.padInfo;
  // Padding that makes the dilated dy span end exactly at the last filter tap; negative means unused input rows/columns.
  const bottom = filterHeight - inHeight - top + (outHeight - 1) * strideHeight;
  const right = filterWidth - inWidth - left + (outWidth - 1) * strideWidth;
  const { temps, keep } = scratch();
  try {
    let xt = keep(run('Transpose', b, { x }, { perm: [3, 1, 2, 0] }));
    if (bottom < 0 || right < 0) {
      const size = [inChannels, inHeight + Math.min(bottom, 0), inWidth + Math.min(right, 0), batchSize];
      xt = keep(run('Slice', b, { x: xt }, { begin: [0, 0, 0, 0], size }));
    }
    const dyt = keep(run('Transpose', b, { x: dy }, { perm: [1, 2, 0, 3] }));
    const padding = [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ];
    const dw = keep(
      run('Conv2D', b, { x: xt, filter: dyt }, {
        strides: 1,
        pad: padding,
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
        dimRoundingMode: null,
      } as unknown as tf.NamedAttrMap),
    );
    return run('Transpose', b, { x: dw }, { perm: [1, 2, 0, 3] });
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

/** Upsamples dy [N,OH,OW,C] to [N,OH·sh,OW·sw,C] with zeros after each value (two 4-D pads, reshapes are free). */
function interleaveZeros(b: Backend, dy: tf.TensorInfo, sh: number, sw: number, keep: (t: tf.TensorInfo) => tf.TensorInfo): tf.TensorInfo {
  const [n, oh, ow, c] = dy.shape as Shape4;
  const cols = keep(run('Reshape', b, { x: dy }, { shape: [n * oh, ow, 1, c] }));
  const wide = keep(
    run(
      'PadV2',
      b,
      { x: cols },
      {
        paddings: [
          [0, 0],
          [0, 0],
          [0, sw - 1],
          [0, 0],
        ],
        constantValue: 0,
      },
    ),
  );
  const rows = keep(run('Reshape', b, { x: wide }, { shape: [n * oh, 1, ow * sw * c, 1] }));
  const tall = keep(
    run(
      'PadV2',
      b,
      { x: rows },
      {
        paddings: [
          [0, 0],
          [0, sh - 1],
          [0, 0],
          [0, 0],
        ],
        constantValue: 0,
      },
    ),
  );
  return keep(run('Reshape', b, { x: tall }, { shape: [n, oh * sh, ow * sw, c] }));
}

/**
 * dx = conv2d(dy upsampled by the stride with zeros, W rotated 180° with its
 * channel axes swapped), padded by K−1−pad. Replaces wasm's own
 * Conv2DBackpropInput, a plain C++ loop up to 10× slower (which still serves NCHW).
 */
function conv2DBackpropInput({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== 'NHWC') return stockBackpropInput({ inputs, backend: b, attrs });
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = filterHeight - 1 - info.padInfo.top;
  const left = filterWidth - 1 - info.padInfo.left;
  // Padding after the upsampled dy, whose last (stride − 1) rows and columns are already zeros.
  const bottom = inHeight + filterHeight - 1 - outHeight * strideHeight - top;
  const right = inWidth + filterWidth - 1 - outWidth * strideWidth - left;
  if (top < 0 || left < 0 || bottom < 1 - strideHeight || right < 1 - strideWidth) {
    return stockBackpropInput({ inputs, backend: b, attrs });
  }
  const { temps, keep } = scratch();
  try {
    let up = strideHeight > 1 || strideWidth > 1 ? interleaveZeros(b, dy, strideHeight, strideWidth, keep) : dy;
    if (bottom < 0 || right < 0) {
      const [n, h, w, c] = up.shape as Shape4;
      up = keep(run('Slice', b, { x: up }, { begin: [0, 0, 0, 0], size: [n, h + Math.min(bottom, 0), w + Math.min(right, 0), c] }));
    }
    const flipped = keep(run('Reverse', b, { x: filter }, { dims: [0, 1] }));
    const swapped = keep(run('Transpose', b, { x: flipped }, { perm: [0, 1, 3, 2] }));
    const padding = [
      [0, 0],
      [top, Math.max(bottom, 0)],
      [left, Math.max(right, 0)],
      [0, 0],
    ];
    return run('Conv2D', b, { x: up, filter: swapped }, {
      strides: 1,
      pad: padding,
      dataFormat: 'NHWC',
      dilations: 1,
      dimRoundingMode: null,
    } as unknown as tf.NamedAttrMap);
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

/**
 * Max-pool gradient. As on the cpu backend, dy goes to the first maximum of
 * each window in row-major order. Replaces wasm's own MaxPoolGrad, a plain
 * C++ loop that starts each window's maximum at FLT_MIN (the smallest positive
 * float, not −∞), so windows with no positive value send their gradient to
 * element 0, and that takes the last maximum. x is first laid out on the exact
 * grid of windows (−∞ for padding, rows no window reads dropped).
 */
function maxPoolGrad({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, input, output } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo; output: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
  const { batchSize: n, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const tiled = sh === kh && sw === kw;
  // Rows [−top, top + gridHeight) hold every window; tiled windows are viewed as [N·OH, kh, OW, kw, C], so they take OH·kh rows.
  const gridHeight = tiled ? outHeight * kh : (outHeight - 1) * sh + kh;
  const gridWidth = tiled ? outWidth * kw : (outWidth - 1) * sw + kw;
  const { top, left } = info.padInfo;
  const usedHeight = Math.min(inHeight, gridHeight - top);
  const usedWidth = Math.min(inWidth, gridWidth - left);
  const { temps, keep } = scratch();
  try {
    let x = input;
    if (usedHeight < inHeight || usedWidth < inWidth) {
      x = keep(run('Slice', b, { x }, { begin: [0, 0, 0, 0], size: [n, usedHeight, usedWidth, c] }));
    }
    const margins = [
      [0, 0],
      [top, gridHeight - top - usedHeight],
      [left, gridWidth - left - usedWidth],
      [0, 0],
    ];
    if (margins.flat().some((m) => m > 0)) x = keep(run('PadV2', b, { x }, { paddings: margins, constantValue: -Infinity }));
    let dx = keep(tiled ? tiledMaxPoolGrad(b, x, output, dy, kh, kw, keep) : overlappingMaxPoolGrad(b, x, output, dy, info, keep));
    if (top > 0 || left > 0 || usedHeight + top < gridHeight || usedWidth + left < gridWidth) {
      dx = keep(run('Slice', b, { x: dx }, { begin: [0, top, left, 0], size: [n, usedHeight, usedWidth, c] }));
    }
    const rest = [
      [0, 0],
      [0, inHeight - usedHeight],
      [0, inWidth - usedWidth],
      [0, 0],
    ];
    // Rows no window reads get zero gradient; the Reshape is a new reference to dx, which survives the cleanup below.
    return rest.flat().some((m) => m > 0)
      ? run('PadV2', b, { x: dx }, { paddings: rest, constantValue: 0 })
      : run('Reshape', b, { x: dx }, { shape: input.shape });
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

/**
 * Windows that tile x (stride = window, as in 2×2/2 pooling), from elementwise
 * kernels and one MaxPool: a position holding its window's maximum scores its
 * rank (k², …, 1 from the first), any other position −1 or less; the window's
 * best score marks the winner, which receives dy.
 */
function tiledMaxPoolGrad(
  b: Backend,
  x: tf.TensorInfo,
  y: tf.TensorInfo,
  dy: tf.TensorInfo,
  kh: number,
  kw: number,
  keep: (t: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const [n, gridHeight, gridWidth, c] = x.shape as Shape4;
  const [outHeight, outWidth] = [gridHeight / kh, gridWidth / kw];
  const perWindow = [n * outHeight, 1, outWidth, 1, c];
  const x5 = keep(run('Reshape', b, { x }, { shape: [n * outHeight, kh, outWidth, kw, c] }));
  const y5 = keep(run('Reshape', b, { x: y }, { shape: perWindow }));
  const notMax = keep(run('Step', b, { x: keep(run('Sub', b, { a: y5, b: x5 })) }, { alpha: 0 }));
  const penalty = keep(run('Multiply', b, { a: notMax, b: keep(scalar(b, -(kh * kw + 1))) }));
  const score = keep(run('Add', b, { a: penalty, b: keep(ranks(b, kh, kw)) }));
  const score4 = keep(run('Reshape', b, { x: score }, { shape: x.shape }));
  const best = keep(run('MaxPool', b, { x: score4 }, { filterSize: [kh, kw], strides: [kh, kw], pad: 'valid' }));
  const threshold = keep(run('Sub', b, { a: keep(run('Reshape', b, { x: best }, { shape: perWindow })), b: keep(scalar(b, 1)) }));
  const winner = keep(run('Relu', b, { x: keep(run('Sub', b, { a: score, b: threshold })) }));
  const dx5 = keep(run('Multiply', b, { a: winner, b: keep(run('Reshape', b, { x: dy }, { shape: perWindow })) }));
  return run('Reshape', b, { x: dx5 }, { shape: x.shape });
}

/**
 * Overlapping windows, one window offset (i, j) at a time: x[i::s, j::s] lines
 * up with y, so the same scoring runs on [N,OH,OW,C] slices, and each
 * offset's share of dy is spread back by the stride and shifted by (i, j).
 */
function overlappingMaxPoolGrad(
  b: Backend,
  x: tf.TensorInfo,
  y: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  keep: (t: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const [n, gridHeight, gridWidth, c] = x.shape as Shape4;
  const { outHeight, outWidth, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const offsets = Array.from({ length: kh * kw }, (_, r) => [Math.floor(r / kw), r % kw] as const);
  const penalty = keep(scalar(b, -(kh * kw + 1)));
  const scores = offsets.map(([i, j], r) => {
    const xij = keep(
      run(
        'StridedSlice',
        b,
        { x },
        {
          begin: [0, i, j, 0],
          end: [n, i + (outHeight - 1) * sh + 1, j + (outWidth - 1) * sw + 1, c],
          strides: [1, sh, sw, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        },
      ),
    );
    const notMax = keep(run('Step', b, { x: keep(run('Sub', b, { a: y, b: xij })) }, { alpha: 0 }));
    return keep(run('Add', b, { a: keep(run('Multiply', b, { a: notMax, b: penalty })), b: keep(scalar(b, kh * kw - r)) }));
  });
  const best = scores.reduce((m, score) => keep(run('Maximum', b, { a: m, b: score })));
  const threshold = keep(run('Sub', b, { a: best, b: keep(scalar(b, 1)) }));
  let dx: tf.TensorInfo | undefined;
  offsets.forEach(([i, j], r) => {
    const share = keep(run('Multiply', b, { a: keep(run('Relu', b, { x: keep(run('Sub', b, { a: scores[r]!, b: threshold })) })), b: dy }));
    let spread = sh > 1 || sw > 1 ? interleaveZeros(b, share, sh, sw, keep) : share;
    // Drop trailing zeros of the interleaving that would fall outside the grid.
    const [rows, cols] = [Math.min(outHeight * sh, gridHeight - i), Math.min(outWidth * sw, gridWidth - j)];
    if (rows < spread.shape[1]! || cols < spread.shape[2]!) {
      spread = keep(run('Slice', b, { x: spread }, { begin: [0, 0, 0, 0], size: [n, rows, cols, c] }));
    }
    const placed = keep(
      run(
        'PadV2',
        b,
        { x: spread },
        {
          paddings: [
            [0, 0],
            [i, gridHeight - i - rows],
            [j, gridWidth - j - cols],
            [0, 0],
          ],
          constantValue: 0,
        },
      ),
    );
    dx = dx ? keep(run('Add', b, { a: dx, b: placed })) : placed;
  });
  return run('Reshape', b, { x: dx! }, { shape: x.shape });
}

/**
 * Matrix products with a transposed operand, as every weight gradient is
 * (dW = xᵀ·dy, dx = dy·Wᵀ): wasm's BatchMatMul computes those in a plain loop,
 * several times slower than its XNNPACK path (xᵀ·dy for a 1024×784 batch:
 * 41 ms against 4 ms for the forward product). The operand is transposed
 * first by wasm's own Transpose, then multiplied untransposed. (A batch of
 * products, as the ensembles of nn/ensemble.ts make, stays on the plain loop:
 * splitting it costs more, wasm's Slice copies its whole input each time.)
 */
function batchMatMul({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const { a, b: bIn } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if ((!transposeA && !transposeB) || !worthTransposing(a.shape, bIn.shape, transposeA, transposeB)) return stockBatchMatMul({ inputs, backend: b, attrs });
  const { temps, keep } = scratch();
  const swapLast = (t: tf.TensorInfo) => {
    const rank = t.shape.length;
    const perm = [...Array.from({ length: rank - 2 }, (_, i) => i), rank - 1, rank - 2];
    return keep(run('Transpose', b, { x: t }, { perm }));
  };
  try {
    return stockBatchMatMul({
      inputs: { a: transposeA ? swapLast(a) : a, b: transposeB ? swapLast(bIn) : bIn },
      backend: b,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
  } finally {
    for (const t of temps) b.disposeData(t.dataId);
  }
}

/**
 * XNNPACK packs its right operand anew on every call (a gradient is a new
 * tensor each step), which a small product does not repay: xᵀ·dy for one
 * input and 256 samples ([1,256]·[256,192]) took 0.28 ms that way against
 * 0.07 ms in the plain loop. And it serves only single products: a batch
 * stays on the plain loop, where a transpose first is pure cost.
 */
function worthTransposing(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): boolean {
  const batch = (shape: number[]) => shape.slice(0, -2).reduce((x, y) => x * y, 1);
  if (batch(aShape) > 1 || batch(bShape) > 1) return false;
  const [m, k] = transposeA ? [aShape.at(-1)!, aShape.at(-2)!] : [aShape.at(-2)!, aShape.at(-1)!];
  const n = transposeB ? bShape.at(-2)! : bShape.at(-1)!;
  return m >= 16 && m * k * n >= 1 << 17;
}

function scalar(b: Backend, value: number): tf.TensorInfo {
  return run('Fill', b, {}, { shape: [], value, dtype: 'float32' });
}

/** [1, kh, 1, kw, 1]: k², k²−1, …, 1 in row-major window order. */
function ranks(b: Backend, kh: number, kw: number): tf.TensorInfo {
  const flat = run('Range', b, {}, { start: kh * kw, stop: 0, step: -1, dtype: 'float32' });
  const shaped = run('Reshape', b, { x: flat }, { shape: [1, kh, 1, kw, 1] });
  b.disposeData(flat.dataId);
  return shaped;
}

/**
 * A new reference to the same memory, as the cpu backend's Identity and wasm's
 * own Reshape give: tensors are immutable, and wasm's Identity copies. The
 * engine clones every tensor a gradient saves, so a training step of an MLP
 * spent 0.7 of 8 ms copying activations.
 */
function identity({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return stockIdentity({ inputs, backend });
  (backend as WasmBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Rows of x picked by indices (axis 0, the mini-batch of every training loop)
 * copied row by row within wasm memory: wasm's GatherV2 took 2.2 ms to gather
 * 64 MNIST images, a copy of 200 kB. Other axes and dtypes stay with wasm's.
 */
function gatherV2({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = attrs as unknown as tf.GatherV2Attrs;
  const parsed = tf.util.parseAxisParam(axis, x.shape)[0];
  if (parsed !== 0 || batchDims !== 0 || !(x.dtype === 'float32' || x.dtype === 'int32') || indices.dtype !== 'int32') {
    return stockGather({ inputs, backend, attrs });
  }
  const b = backend as WasmBackend;
  const picks = b.readSync(indices.dataId) as Int32Array;
  const rows = x.shape[0]!;
  for (const index of picks) {
    if (!(index >= 0 && index < rows)) throw new Error(`GatherV2: the index value ${index} is not in [0, ${rows - 1}]`);
  }
  const row = tf.util.sizeFromShape(x.shape.slice(1)) * 4;
  const out = b.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
  // Offsets and the heap are read after the allocation, which may have grown wasm memory.
  const heap = b.wasm.HEAPU8;
  const from = b.dataIdMap.get(x.dataId).memoryOffset;
  const to = b.dataIdMap.get(out.dataId).memoryOffset;
  picks.forEach((index, i) => {
    heap.copyWithin(to + i * row, from + index * row, from + (index + 1) * row);
  });
  return out;
}

/**
 * wasm's fused kernels check the bias against the shape its memory was
 * allocated with, not the tensor's: a bias reshaped to rank 1 (a run's bias
 * taken out of an ensemble's [R, out, 1]) is refused. Such a bias is copied
 * to memory of its own shape first.
 */
function withRankOneBias(kernel: () => tf.KernelConfig): tf.KernelFunc {
  return (({ inputs, backend, attrs }: KernelArgs) => {
    const { bias } = inputs as { bias?: tf.TensorInfo };
    const stored = bias && (backend as WasmBackend).dataIdMap.get(bias.dataId).shape;
    if (!bias || stored!.length === 1) return kernel().kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
    const copy = stockIdentity({ inputs: { x: bias }, backend });
    try {
      return kernel().kernelFunc({ inputs: { ...inputs, bias: copy }, backend, attrs }) as tf.TensorInfo;
    } finally {
      backend.disposeData(copy.dataId);
    }
  }) as tf.KernelFunc;
}

const fusedMatMul = withRankOneBias(() => native.get(tf._FusedMatMul)!);
const fusedConv2D = withRankOneBias(() => native.get(tf.FusedConv2D)!);

/** wasm's own kernels that ones here replace, kept for the cases those do not handle. */
const native = new Map<string, tf.KernelConfig>();
const stockBackpropInput = (args: KernelArgs) => native.get(tf.Conv2DBackpropInput)!.kernelFunc(args) as tf.TensorInfo;
const stockBatchMatMul = (args: KernelArgs) => native.get(tf.BatchMatMul)!.kernelFunc(args) as tf.TensorInfo;
const stockIdentity = (args: KernelArgs) => native.get(tf.Identity)!.kernelFunc(args) as tf.TensorInfo;
const stockGather = (args: KernelArgs) => native.get(tf.GatherV2)!.kernelFunc(args) as tf.TensorInfo;

function replaceNative(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const current = tf.getKernel(kernelName, 'wasm');
  if (!current || current.kernelFunc === kernelFunc) return;
  // wasm's own kernel, recorded once: what is registered later may be another layer's (the native kernels).
  if (!native.has(kernelName)) native.set(kernelName, current);
  tf.unregisterKernel(kernelName, 'wasm');
  // Keep the native setup: a re-initialised wasm backend must still bind the native fallback.
  tf.registerKernel({ ...current, kernelFunc });
}

/** Registers the missing kernel and the replacements for 'wasm'; safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (!tf.getKernel(tf.Conv2DBackpropFilter, 'wasm')) {
    tf.registerKernel({ kernelName: tf.Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
  }
  replaceNative(tf.Conv2DBackpropInput, conv2DBackpropInput as tf.KernelFunc);
  replaceNative(tf.MaxPoolGrad, maxPoolGrad as tf.KernelFunc);
  replaceNative(tf.BatchMatMul, batchMatMul as tf.KernelFunc);
  replaceNative(tf.Identity, identity as tf.KernelFunc);
  replaceNative(tf.GatherV2, gatherV2 as tf.KernelFunc);
  replaceNative(tf._FusedMatMul, fusedMatMul);
  replaceNative(tf.FusedConv2D, fusedConv2D);
}
