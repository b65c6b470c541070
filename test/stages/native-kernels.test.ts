/**
 * The native kernels (pipeline/native/src, registered on wasm by
 * runtime/native-kernels.ts) against the cpu backend on the same seeded
 * inputs, on the shapes and options the report uses and around them (strides,
 * padding, batch 1, odd sizes), the fused layers and loss against their
 * unfused composition, the fused Adam bit for bit against tfjs's, and the
 * boundary: unaligned offsets, wasm memory that grew, a detached buffer, a
 * tensor outside the heap. Skipped where the kernels are not built (the
 * install says why); the pure-wasm path keeps its own tests.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, permutation } from '../../pipeline/src/core/random.ts';
import { activeAddon, loadAddon } from '../../pipeline/src/native/addon.ts';
import { cnn, initCnn } from '../../pipeline/src/nn/cnn.ts';
import { conv2dSame, dense, softmaxCrossEntropy } from '../../pipeline/src/nn/fused.ts';
import { flatValues } from '../../pipeline/src/nn/params.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { FusedAdam } from '../../pipeline/src/train/adam.ts';
import { trainClassifier } from '../../pipeline/src/train/classification.ts';
import { maxRelativeError, normals } from '../helpers/float64.ts';

type Shape4 = [number, number, number, number];
const built = loadAddon().addon !== null;
const tolerance = 1e-4;

/** f's outputs (read back) on the native kernels and on the cpu backend. */
async function nativeAndCpu(f: () => tf.Tensor | tf.Tensor[]): Promise<{ native: Float32Array[]; cpu: Float32Array[] }> {
  const read = () =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  await selectBackend('wasm+onednn');
  const native = read();
  await selectBackend('cpu');
  const cpu = read();
  return { native, cpu };
}

async function expectClose(f: () => tf.Tensor | tf.Tensor[], tol = tolerance): Promise<void> {
  const { native, cpu } = await nativeAndCpu(f);
  expect(native.length).toBe(cpu.length);
  native.forEach((values, i) => {
    expect(maxRelativeError(values, cpu[i]!)).toBeLessThan(tol);
  });
}

function kernel(name: string, inputs: Record<string, [Float32Array, number[]]>, attrs: object): tf.Tensor {
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
  return tf.engine().runKernel(name, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
}

// Batch 1 and more, odd and even sizes, 1, 3 and more channels: train-on-tasks' layers and shapes around them.
const convCases: Array<[Shape4, number]> = [
  [[1, 28, 28, 1], 16],
  [[3, 28, 28, 1], 8],
  [[2, 27, 27, 3], 32],
  [[2, 14, 14, 16], 32],
  [[3, 13, 13, 6], 10],
  [[2, 7, 7, 64], 64],
];

describe.runIf(built)('native kernels against the cpu backend', () => {
  afterAll(async () => {
    await selectBackend('cpu');
  });

  it('are chosen by default, named in the backend, and gone on HW1_BACKEND=wasm', async () => {
    const info = await selectBackend(undefined);
    if (!process.env.HW1_BACKEND) expect(info.name).toBe('wasm+onednn');
    expect((await selectBackend('wasm+onednn')).detail).toMatch(/native kernels \(oneDNN 2\.\d+\.\d+, \w+\)/);
    const nativeConv = tf.getKernel('Conv2D', 'wasm')!.kernelFunc;
    expect(activeAddon()).not.toBeNull();
    await selectBackend('wasm');
    expect(activeAddon()).toBeNull();
    expect(tf.getKernel('Conv2D', 'wasm')!.kernelFunc).not.toBe(nativeConv);
    expect(tf.getKernel('FusedAdam', 'wasm')).toBeUndefined();
    await selectBackend('wasm+onednn');
    expect(tf.getKernel('FusedAdam', 'wasm')).toBeDefined();
  });

  const rng = createRng(20261204);
  for (const [x, filters] of convCases) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        const filter: Shape4 = [3, 3, x[3], filters];
        if (pad === 'valid' && x[1] < 3) continue;
        const xv = normals(rng, x);
        const wv = normals(rng, filter);
        const bv = normals(rng, [filters]);
        const attrs = { strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined };
        it(`convolution ${x.join('×')} → ${filters}, stride ${stride}, ${pad}: forward, fused bias and ReLU, both gradients`, async () => {
          await expectClose(() => {
            const y = kernel('Conv2D', { x: [xv, x], filter: [wv, filter] }, attrs);
            const fused = kernel('FusedConv2D', { x: [xv, x], filter: [wv, filter], bias: [bv, [filters]] }, { ...attrs, activation: 'relu' });
            const dy = tf.tensor(normals(createRng(7), y.shape), y.shape);
            const dyv = dy.dataSync() as Float32Array;
            const dx = kernel('Conv2DBackpropInput', { dy: [dyv, y.shape], filter: [wv, filter] }, { ...attrs, inputShape: x });
            const dw = kernel('Conv2DBackpropFilter', { x: [xv, x], dy: [dyv, y.shape] }, { ...attrs, filterShape: filter });
            return [y, fused, dx, dw];
          });
        });
      }
    }
  }

  it('matrix products: every transpose, batched, broadcast, odd sizes, a fused bias and ReLU', async () => {
    // Seeded by position, so both backends multiply the same numbers.
    let seed = 0;
    const t = (shape: number[]) => tf.tensor(normals(createRng(++seed), shape), shape);
    await expectClose(() => {
      seed = 0;
      const a = t([5, 7]);
      const b = t([7, 3]);
      return [
        tf.matMul(a, b),
        tf.matMul(tf.transpose(a), b, true, false),
        tf.matMul(a, tf.transpose(b), false, true),
        tf.matMul(tf.transpose(a), tf.transpose(b), true, true),
        tf.matMul(t([4, 33, 17]), t([4, 17, 9])),
        tf.matMul(t([33, 17]), t([4, 17, 9])),
        tf.matMul(t([4, 1, 17]), t([4, 9, 17]), false, true),
        tf.matMul(t([1024, 784]), t([1024, 64]), true, false),
        tf
          .engine()
          .runKernel(
            '_FusedMatMul',
            { a: t([1, 9, 5]), b: t([1, 5, 6]), bias: t([6]) },
            { transposeA: false, transposeB: false, activation: 'relu' },
          ) as tf.Tensor,
      ];
    });
  });

  it('max-pool gradient: the first maximum of each window, windows with no positive value, overlapping and padded windows', async () => {
    const r = createRng(5);
    for (const [shape, size, stride, pad] of [
      [[64, 28, 28, 8], 2, 2, 'valid'],
      [[2, 9, 9, 3], 2, 2, 'valid'],
      [[2, 7, 7, 3], 3, 2, 'same'],
      [[1, 6, 5, 2], 3, 1, 'valid'],
    ] as Array<[Shape4, number, number, 'same' | 'valid']>) {
      // Negative values and ties: windows without a positive value, several maxima in one window.
      const xv = normals(r, shape).map((v) => (v > 0.5 ? 0.5 : v - 1));
      await expectClose(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, size, stride, pad), 1.5)))(tf.tensor(xv, shape)));
    }
  });

  it('sums over leading axes (bias gradients), and other sums through the previous kernel', async () => {
    let seed = 100;
    const x = (shape: number[]) => tf.tensor(normals(createRng(++seed), shape), shape);
    await expectClose(() => {
      seed = 100;
      return [tf.sum(x([64, 28, 28, 8]), [0, 1, 2]), tf.sum(x([4, 5, 6]), [1, 0], true), tf.sum(x([4, 5, 6]), 2), tf.sum(x([7, 3])), tf.sum(x([3, 4]), 1)];
    });
  });

  it('fused layers and loss: the values and gradients of the unfused ops, and exact Hessian-vector products through a ReLU layer', async () => {
    const r = createRng(8);
    const t = (shape: number[]) => tf.tensor(normals(r, shape), shape);
    const [x, w, b, c] = [t([12, 5]), t([5, 4]), t([4]), t([12, 4])] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
    const labels = tf.tensor1d(
      Array.from({ length: 12 }, (_, i) => i % 4),
      'int32',
    );
    const xi = t([3, 6, 5, 2]) as tf.Tensor4D;
    const wi = t([3, 3, 2, 4]) as tf.Tensor4D;
    const fusedLoss = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
      softmaxCrossEntropy(dense(p as tf.Tensor2D, q as tf.Tensor2D, s as tf.Tensor1D, 'relu'), labels);
    const plainLoss = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
      tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), tf.relu(tf.add(tf.matMul(p, q), s))) as tf.Scalar;
    const fusedConv = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(conv2dSame(p as tf.Tensor4D, q as tf.Tensor4D, s as tf.Tensor1D, 'relu'), 0.7));
    const plainConv = (p: tf.Tensor, q: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(p as tf.Tensor4D, q as tf.Tensor4D, 1, 'same'), s)), 0.7));
    // Hessian-vector product of a smooth loss of a ReLU layer with respect to its weights, along c-shaped directions.
    const hvp = (layer: (q: tf.Tensor) => tf.Tensor) => {
      const v = tf.onesLike(w);
      const gradDotV = (q: tf.Tensor) => tf.sum(tf.mul(tf.grad((u: tf.Tensor) => tf.sum(tf.square(tf.sub(layer(u), c))))(q), v));
      return tf.grad(gradDotV)(w);
    };
    const fused = () => [
      fusedLoss(x, w, b),
      ...tf.grads(fusedLoss)([x, w, b]),
      ...tf.grads(fusedConv)([xi, wi, b]),
      hvp((q) => dense(x, q as tf.Tensor2D, b, 'relu')),
    ];
    const plain = () => [
      plainLoss(x, w, b),
      ...tf.grads(plainLoss)([x, w, b]),
      ...tf.grads(plainConv)([xi, wi, b]),
      hvp((q) => tf.relu(tf.add(tf.matMul(x, q), b))),
    ];
    await selectBackend('wasm+onednn');
    const a = tf.tidy(() => fused().map((y) => Float32Array.from(y.dataSync())));
    await selectBackend('cpu');
    const ref = tf.tidy(() => plain().map((y) => Float32Array.from(y.dataSync())));
    a.forEach((values, i) => {
      expect(maxRelativeError(values, ref[i]!), `output ${i}`).toBeLessThan(tolerance);
    });
  });

  it('Adam over all parameters in one call gives bit for bit what tfjs Adam gives for the same gradients', async () => {
    const steps = 5;
    const run = async (backend: string, make: () => tf.Optimizer) => {
      await selectBackend(backend);
      const r = createRng(11);
      const vars = [[7, 3], [3], [1]].map((s) => tf.variable(tf.tensor(normals(r, s), s)));
      const optimizer = make();
      for (let k = 0; k < steps; k++) {
        const grads = Object.fromEntries(vars.map((v) => [v.name, tf.tensor(normals(r, v.shape), v.shape)]));
        optimizer.applyGradients(grads);
        tf.dispose(Object.values(grads));
      }
      const values = vars.map((v) => Float32Array.from(v.dataSync()));
      optimizer.dispose();
      tf.dispose(vars);
      return values;
    };
    const fused = await run('wasm+onednn', () => new FusedAdam(0.01));
    const reference = await run('wasm', () => tf.train.adam(0.01));
    expect(fused).toEqual(reference);
  });
});

describe.runIf(built)('the boundary of the native kernels', () => {
  const addon = loadAddon().addon!;
  /** Convolution arguments for x [1,6,6,2] → 3 filters 3×3, stride 1, 'same', with x, filter and y at these byte offsets. */
  const convArgs = (x: number, w: number, y: number) => Float64Array.of(1, 6, 6, 2, 6, 6, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, x, 72, w, 54, 0, 0, y, 108, 0);

  it('gives the same result at 16-byte aligned and unaligned offsets', () => {
    const run = (base: number) => {
      const heap = new ArrayBuffer(4096);
      const f = new Float32Array(heap);
      f.set(normals(createRng(1), [72]), base / 4);
      f.set(normals(createRng(2), [54]), base / 4 + 100);
      addon.convForward(heap, convArgs(base, base + 400, base + 1000));
      return Float32Array.from(f.subarray(base / 4 + 250, base / 4 + 250 + 108));
    };
    const aligned = run(64);
    expect(run(4)).toEqual(aligned);
    expect(run(12)).toEqual(aligned);
    expect(aligned.some((v) => v !== 0)).toBe(true);
  });

  it('refuses a tensor outside the heap and a detached heap with an error, not a crash', () => {
    expect(() => addon.convForward(new ArrayBuffer(256), convArgs(0, 400, 1000))).toThrow(/outside the heap/);
    expect(() => addon.convForward(new ArrayBuffer(4096), Float64Array.of(1, 6, 6, 2))).toThrow(/too few arguments/);
    const heap = new ArrayBuffer(4096);
    structuredClone(heap, { transfer: [heap] });
    expect(() => addon.convForward(heap, convArgs(0, 400, 1000))).toThrow(/detached/);
    expect(() =>
      addon.convForward(
        new ArrayBuffer(4096),
        convArgs(0, 400, 1000).map((v, i) => (i === 18 ? 71 : v)),
      ),
    ).toThrow(/elements where its shape implies 72/);
  });

  it('stays correct after wasm memory grows between steps', async () => {
    const step = () =>
      tf.tidy(() => {
        const x = tf.tensor(normals(createRng(3), [4, 10, 10, 3]), [4, 10, 10, 3]) as tf.Tensor4D;
        const w = tf.tensor(normals(createRng(4), [3, 3, 3, 5]), [3, 3, 3, 5]) as tf.Tensor4D;
        return [
          tf.conv2d(x, w, 1, 'same'),
          ...tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))))([x, w]),
        ].map((t) => Float32Array.from(t.dataSync()));
      });
    await selectBackend('wasm+onednn');
    const before = step();
    const memory = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const size = memory();
    // Enough to make the heap grow: every view taken before is detached.
    const big = tf.zeros([size / 4 + (64 << 20)]);
    expect(memory()).toBeGreaterThan(size);
    const after = step();
    big.dispose();
    expect(after).toEqual(before);
  });
});

describe.runIf(built)('training on the native kernels', () => {
  /** Losses of 3 epochs of mini-batch Adam of a small CNN (2 conv blocks, a hidden dense layer) on seeded data. */
  const train = async (backend: string) => {
    await selectBackend(backend);
    const spec = { input: [12, 12, 1] as [number, number, number], blocks: [[4], [6, 6]], dense: [16], classes: 5 };
    const rng = createRng(21);
    const n = 96;
    const data = {
      x: tf.tensor4d(normals(rng, [n, 12, 12, 1]), [n, 12, 12, 1]),
      labels: tf.tensor1d(
        Int32Array.from({ length: n }, (_, i) => i % 5),
        'int32',
      ),
      classes: 5,
    };
    const initial = initCnn(spec, createRng(3));
    const order = createRng(4);
    const run = trainClassifier((p, x) => cnn(spec, p, x), initial, data as never, {
      epochs: 3,
      batchSize: 32,
      learningRate: 0.01,
      shuffle: (_e, count) => permutation(count, order),
    });
    const values = [run.epochs.map((e) => e.loss), Array.from(flatValues(run.params))];
    tf.dispose([...initial, ...run.params, data.x, data.labels]);
    return values as [number[], number[]];
  };

  it('follows the wasm path within float tolerance, and repeats itself bit for bit', async () => {
    const [nativeLosses, nativeParams] = await train('wasm+onednn');
    const [again, againParams] = await train('wasm+onednn');
    const [wasmLosses, wasmParams] = await train('wasm');
    expect(again, `${again} vs ${nativeLosses}`).toEqual(nativeLosses);
    expect(againParams).toEqual(nativeParams);
    expect(maxRelativeError(nativeLosses, wasmLosses)).toBeLessThan(1e-4);
    expect(maxRelativeError(nativeParams, wasmParams)).toBeLessThan(1e-3);
    expect(nativeLosses[2]).toBeLessThan(nativeLosses[0]!);
  });
});
