/**
 * The kernels pipeline/src/runtime/wasm-kernels.ts registers for the wasm backend,
 * checked against the cpu backend on the same seeded inputs. Error measure:
 * max|wasm − cpu| / max(max|cpu|, 1e-6), the worst deviation relative to the
 * reference's own scale.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../pipeline/src/core/random.ts';
import { conv2dSame, dense as fusedDense } from '../../pipeline/src/nn/fused.ts';
import { selectBackend } from '../../pipeline/src/runtime/backend.ts';
import { registerWasmTrainingKernels } from '../../pipeline/src/runtime/wasm-kernels.ts';
import { maxRelativeError, normals } from '../helpers/float64.ts';

type Shape4 = [number, number, number, number];
const tolerance = 1e-4;

/** Runs f on wasm, then on cpu for the reference, then switches back to wasm. */
async function onWasmAndCpu<T>(f: () => T): Promise<{ wasm: T; cpu: T }> {
  await selectBackend('wasm');
  const wasm = f();
  await selectBackend('cpu');
  const cpu = f();
  await selectBackend('wasm');
  return { wasm, cpu };
}

/** One kernel on tensors made from plain arrays on the current backend. */
function runKernel(name: string, inputs: Record<string, [Float32Array, number[]]>, attrs: object): Float32Array {
  return tf.tidy(() => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([k, [v, s]]) => [k, tf.tensor(v, s)]));
    return (tf.engine().runKernel(name, tensors, attrs as tf.NamedAttrMap) as tf.Tensor).dataSync() as Float32Array;
  });
}

function outputShape(x: Shape4, filter: Shape4, stride: number, pad: 'same' | 'valid'): Shape4 {
  const out = (n: number) => (pad === 'same' ? Math.ceil(n / stride) : Math.ceil((n - filter[0] + 1) / stride));
  return [x[0], out(x[1]), out(x[2]), filter[3]];
}

// Batch 1 and >1, odd and even sizes, 1, 3 and more input channels, several output channel counts.
const convCases: Array<[Shape4, number[]]> = [
  [[1, 28, 28, 1], [16]],
  [
    [3, 28, 28, 1],
    [8, 32],
  ],
  [
    [2, 32, 32, 3],
    [16, 64],
  ],
  [[2, 27, 27, 3], [32]],
  [[2, 14, 14, 16], [32]],
  [[3, 13, 13, 16], [64]],
  [[2, 7, 7, 64], [64]],
];

describe('wasm training kernels against the cpu backend', () => {
  it('leaves no kernel of a CNN training step missing, and registers idempotently', async () => {
    await selectBackend('wasm');
    const before = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'].map((k) => tf.getKernel(k, 'wasm')!.kernelFunc);
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    const after = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'].map((k) => tf.getKernel(k, 'wasm')!.kernelFunc);
    expect(after).toEqual(before);
  });

  const rng = createRng(20240611);
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      it(`Conv2DBackpropFilter and Conv2DBackpropInput, 3×3, stride ${stride}, '${pad}'`, async () => {
        for (const [xShape, outChannels] of convCases) {
          for (const co of outChannels) {
            const filterShape: Shape4 = [3, 3, xShape[3], co];
            const dyShape = outputShape(xShape, filterShape, stride, pad);
            const [x, dy, filter] = [normals(rng, xShape), normals(rng, dyShape), normals(rng, filterShape)];
            const common = { strides: stride, pad, dataFormat: 'NHWC' };
            const dw = await onWasmAndCpu(() => runKernel('Conv2DBackpropFilter', { x: [x, xShape], dy: [dy, dyShape] }, { ...common, filterShape }));
            const dx = await onWasmAndCpu(() =>
              runKernel('Conv2DBackpropInput', { dy: [dy, dyShape], filter: [filter, filterShape] }, { ...common, inputShape: xShape }),
            );
            const label = `x ${xShape.join('×')} → ${co} channels`;
            expect(maxRelativeError(dw.wasm, dw.cpu), `filter gradient, ${label}`).toBeLessThan(tolerance);
            expect(maxRelativeError(dx.wasm, dx.cpu), `input gradient, ${label}`).toBeLessThan(tolerance);
          }
        }
      });
    }
  }

  const poolCases: Array<[Shape4, number, number, 'same' | 'valid']> = [
    [[1, 28, 28, 16], 2, 2, 'valid'],
    [[3, 14, 14, 32], 2, 2, 'valid'],
    [[2, 7, 7, 32], 2, 2, 'valid'],
    [[2, 7, 7, 32], 2, 2, 'same'],
    [[3, 13, 16, 8], 2, 2, 'same'],
    [[2, 9, 9, 4], 3, 2, 'same'],
    [[2, 9, 10, 4], 3, 2, 'valid'],
    [[2, 8, 8, 3], 3, 1, 'same'],
  ];
  for (const ties of [false, true]) {
    it(`MaxPoolGrad, ${ties ? 'ReLU-like inputs full of ties (the first maximum wins)' : 'continuous inputs'}`, async () => {
      for (const [xShape, size, stride, pad] of poolCases) {
        const x = normals(rng, xShape).map((v) => (ties ? Math.max(0, Math.round(v)) : v));
        const yShape = tf.backend_util.computePool2DInfo(xShape, size, stride, 1, pad).outShape;
        const dy = normals(rng, yShape);
        const dx = await onWasmAndCpu(() =>
          tf.tidy(() => {
            const input = tf.tensor4d(x, xShape);
            const output = tf.maxPool(input, size, stride, pad);
            const attrs = { filterSize: size, strides: stride, pad };
            return (tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor(dy, yShape), input, output }, attrs) as tf.Tensor).dataSync();
          }),
        );
        expect(maxRelativeError(dx.wasm, dx.cpu), `${xShape.join('×')} pool ${size}/${stride} '${pad}'`).toBeLessThan(tolerance);
      }
    });
  }
  // Every transpose combination: products large enough to be transposed before XNNPACK multiplies (2-D, batch 1),
  // and small or batched ones left to wasm's own loop.
  const matMulCases: Array<[number[], number[]]> = [
    [
      [64, 40],
      [40, 64],
    ],
    [
      [1, 48, 70],
      [1, 70, 50],
    ],
    [
      [7, 5],
      [5, 3],
    ],
    [
      [4, 7, 5],
      [4, 5, 3],
    ],
    [
      [4, 7, 5],
      [1, 5, 3],
    ],
    [
      [2, 3, 7, 5],
      [2, 3, 5, 3],
    ],
  ];
  it('BatchMatMul with transposed operands, 2-D and batched', async () => {
    for (const [aShape, bShape] of matMulCases) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const swap = (shape: number[], t: boolean) => (t ? [...shape.slice(0, -2), shape.at(-1)!, shape.at(-2)!] : shape);
          const a = normals(rng, aShape);
          const b = normals(rng, bShape);
          const out = await onWasmAndCpu(() =>
            runKernel('BatchMatMul', { a: [a, swap(aShape, transposeA)], b: [b, swap(bShape, transposeB)] }, { transposeA, transposeB }),
          );
          expect(maxRelativeError(out.wasm, out.cpu), `${aShape}·${bShape} transposeA ${transposeA} transposeB ${transposeB}`).toBeLessThan(tolerance);
        }
      }
    }
  });
});

interface Cnn {
  input: Shape4;
  init: (rng: Rng) => tf.Variable[];
  logits: (p: tf.Variable[], x: tf.Tensor4D) => tf.Tensor2D;
}

const he = (rng: Rng, shape: number[], fanIn: number) =>
  tf.variable(
    tf.tensor(
      normals(rng, shape).map((v) => v * Math.sqrt(2 / fanIn)),
      shape,
    ),
  );
const conv = (h: tf.Tensor4D, w: tf.Variable, b: tf.Variable, stride: number, pad: 'same' | 'valid') =>
  tf.relu(tf.add(tf.conv2d(h, w as tf.Tensor4D, stride, pad), b)) as tf.Tensor4D;
const dense = (h: tf.Tensor4D, w: tf.Variable, b: tf.Variable) => tf.add(tf.matMul(tf.reshape(h, [h.shape[0], -1]), w), b) as tf.Tensor2D;

const cnns: Record<string, Cnn> = {
  'MNIST-shaped (conv same, maxpool 2 valid, twice)': {
    input: [8, 28, 28, 1],
    init: (rng) => [
      he(rng, [3, 3, 1, 8], 9),
      tf.variable(tf.zeros([8])),
      he(rng, [3, 3, 8, 16], 72),
      tf.variable(tf.zeros([16])),
      he(rng, [7 * 7 * 16, 10], 784),
      tf.variable(tf.zeros([10])),
    ],
    logits: (p, x) => {
      const h1 = tf.maxPool(conv(x, p[0]!, p[1]!, 1, 'same'), 2, 2, 'valid');
      return dense(tf.maxPool(conv(h1, p[2]!, p[3]!, 1, 'same'), 2, 2, 'valid'), p[4]!, p[5]!);
    },
  },
  'CIFAR-shaped (conv stride 2 valid, conv same, maxpool 2 same)': {
    input: [4, 32, 32, 3],
    init: (rng) => [
      he(rng, [3, 3, 3, 16], 27),
      tf.variable(tf.zeros([16])),
      he(rng, [3, 3, 16, 24], 144),
      tf.variable(tf.zeros([24])),
      he(rng, [8 * 8 * 24, 10], 1536),
      tf.variable(tf.zeros([10])),
    ],
    logits: (p, x) => {
      const h = conv(conv(x, p[0]!, p[1]!, 2, 'valid'), p[2]!, p[3]!, 1, 'same');
      return dense(tf.maxPool(h, 2, 2, 'same'), p[4]!, p[5]!);
    },
  },
};

/** Losses of Adam steps on one fixed batch, with softmaxCrossEntropy or an explicit logSoftmax. */
function trainLosses(cnn: Cnn, steps: number, loss: 'softmaxCrossEntropy' | 'logSoftmax', memory?: number[][]): number[] {
  const rng = createRng(7);
  // tidy frees the tensors the variables were initialised from; variables themselves survive it.
  const params = tf.tidy(() => cnn.init(rng));
  const x = tf.tensor4d(
    Float32Array.from({ length: cnn.input.reduce((a, b) => a * b) }, () => rng.next()),
    cnn.input,
  );
  const labels = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Int32Array.from({ length: cnn.input[0] }, () => rng.int(10)),
        'int32',
      ),
      10,
    ),
  );
  const optimizer = tf.train.adam(1e-3);
  const lossOf = () => {
    const z = cnn.logits(params, x);
    return (
      loss === 'softmaxCrossEntropy' ? tf.losses.softmaxCrossEntropy(labels, z) : tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(z)), -1)))
    ) as tf.Scalar;
  };
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const value = optimizer.minimize(lossOf, true)!;
    losses.push(value.dataSync()[0]!);
    value.dispose();
    // numDataIds counts the backend's own buffers, so it also sees a kernel's undisposed intermediates.
    memory?.push([tf.memory().numTensors, tf.memory().numDataBuffers, tf.backend().numDataIds()]);
  }
  tf.dispose([...params, x, labels]);
  optimizer.dispose();
  return losses;
}

describe('CNN training on wasm', () => {
  for (const [name, cnn] of Object.entries(cnns)) {
    for (const loss of ['softmaxCrossEntropy', 'logSoftmax'] as const) {
      it(`${name}, ${loss}: 5 Adam steps follow the cpu loss trajectory`, async () => {
        const losses = await onWasmAndCpu(() => trainLosses(cnn, 5, loss));
        expect(losses.wasm.every(Number.isFinite)).toBe(true);
        expect(losses.wasm[4]).toBeLessThan(losses.wasm[0]!);
        expect(maxRelativeError(losses.wasm, losses.cpu), `wasm ${losses.wasm} vs cpu ${losses.cpu}`).toBeLessThan(tolerance);
      });
    }

    it(`${name}: no tensor or data buffer leaks across training steps (engine and wasm backend counts)`, async () => {
      await selectBackend('wasm');
      const counts = () => [tf.memory().numTensors, tf.backend().numDataIds()];
      const before = counts();
      const memory: number[][] = [];
      trainLosses(cnn, 6, 'softmaxCrossEntropy', memory);
      // The first step creates Adam's moment variables; every later step must leave the counts as it found them.
      for (const step of memory.slice(2)) expect(step).toEqual(memory[1]);
      expect(counts()).toEqual(before);
    });
  }
});

describe('data movement on wasm', () => {
  it('gathers rows (images and int32 labels) as the cpu backend does, and refuses an index out of range', async () => {
    const rng = createRng(77);
    const images = normals(rng, [30, 6, 5, 1]);
    const labels = Int32Array.from({ length: 30 }, (_, i) => (i * 7) % 10);
    const picks = Int32Array.from([29, 0, 3, 3, 17]);
    const gathered = await onWasmAndCpu(() =>
      tf.tidy(() => {
        const idx = tf.tensor1d(picks, 'int32');
        return [
          tf.gather(tf.tensor(images, [30, 6, 5, 1]), idx).dataSync(),
          tf.gather(tf.tensor1d(labels, 'int32'), idx).dataSync(),
          tf.gather(tf.tensor2d(images, [30, 30]), idx, 1).dataSync(),
        ].map((v) => Array.from(v));
      }),
    );
    expect(gathered.wasm).toEqual(gathered.cpu);
    expect(() => tf.tidy(() => tf.gather(tf.tensor2d(images, [30, 30]), tf.tensor1d([30], 'int32')))).toThrow(/index value 30 is not in \[0, 29\]/);
  });

  it('clones without copying, and a clone outlives its source', async () => {
    await selectBackend('wasm');
    const x = tf.tensor([1, 2, 3]);
    const y = tf.clone(x);
    expect((tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(y.dataId)).toBe(
      (tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } }).dataIdMap.get(x.dataId),
    );
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });
});

describe('fused layers on wasm', () => {
  it('take a bias whose memory has another shape (a run taken out of an ensemble)', async () => {
    const run = () =>
      tf.tidy(() => {
        const stacked = tf.tensor3d(normals(createRng(78), [3, 4, 1]), [3, 4, 1]);
        const bias = tf.reshape(tf.slice(stacked, [1, 0, 0], [1, 4, 1]), [4]) as tf.Tensor1D;
        const x = tf.tensor2d(normals(createRng(1), [5, 2]), [5, 2]);
        const w = tf.tensor2d(normals(createRng(2), [2, 4]), [2, 4]);
        const image = tf.tensor4d(normals(createRng(3), [1, 4, 4, 2]), [1, 4, 4, 2]);
        const filter = tf.tensor4d(normals(createRng(4), [3, 3, 2, 4]), [3, 3, 2, 4]);
        return [fusedDense(x, w, bias, 'relu'), conv2dSame(image, filter, bias, 'relu')].map((t) => Array.from(t.dataSync()));
      });
    const wasm = await onWasmAndCpu(run);
    wasm.wasm.forEach((values, i) => {
      expect(maxRelativeError(values, wasm.cpu[i]!)).toBeLessThan(tolerance);
    });
  });
});
