/**
 * Training throughput on the active backend (`npm run bench`, bin/bench.ts),
 * next to PyTorch on the same machine when python3 with torch is importable
 * (peer.py trains the same models). Cases: the MNIST MLP 784-128-10 (batch 128, Adam), each CNN
 * of train-on-tasks (batch 64, Adam, MNIST shape), and full-batch function
 * fitting with each model of simulate-function (256 points, Adam); and the
 * ensembles the stages train (nn/ensemble.ts): the 15 fits of one
 * simulate-function model, and minimal-ratio's 100 phase-1 networks, each
 * against PyTorch one run after another and batched (torch.baddbmm).
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadStageConfig } from '../core/config.ts';
import { UsageError } from '../core/errors.ts';
import { sourceRoot } from '../core/paths.ts';
import { createRng } from '../core/random.ts';
import type { BackendInfo } from '../core/stage.ts';
import { activeAddon } from '../native/addon.ts';
import { cnn, initCnn } from '../nn/cnn.ts';
import { type CnnSpec, cnnParameterCount } from '../nn/cnn-shape.ts';
import { ensembleMeanSquaredError, ensembleMlp, stackMlps } from '../nn/ensemble.ts';
import { softmaxCrossEntropy } from '../nn/fused.ts';
import { initMlp, mlp } from '../nn/mlp.ts';
import { type Activation, type MlpSpec, parameterCount } from '../nn/mlp-shape.ts';
import { selectBackend } from '../runtime/backend.ts';
import { spec as minimalRatio } from '../stages/minimal-ratio/spec.ts';
import { spec as simulateFunction } from '../stages/simulate-function/spec.ts';
import { spec as trainOnTasks } from '../stages/train-on-tasks/spec.ts';
import { FusedMlpEnsemble } from '../train/fused-mlp.ts';
import { makeOptimizer } from '../train/loop.ts';

/** What both sides train: the same layers, batch, optimizer and learning rate. */
export type BenchCase =
  | { name: string; kind: 'mlp'; inputs: number; hidden: number[]; classes: number; batch: number; learningRate: number; parameters: number }
  | {
      name: string;
      kind: 'cnn';
      input: [number, number, number];
      blocks: number[][];
      dense: number[];
      classes: number;
      batch: number;
      learningRate: number;
      parameters: number;
    }
  | { name: string; kind: 'fit'; hidden: number[]; activation?: Activation; points: number; learningRate: number; parameters: number }
  | {
      name: string;
      /** R independent full-batch fits of one MLP, each on its own data, trained together. */
      kind: 'ensemble';
      hidden: number[];
      activation: Activation;
      points: number;
      runs: number;
      learningRate: number;
      /** Of one run. */
      parameters: number;
    };

export interface CaseResult {
  name: string;
  /** "samples/s" for mini-batch cases, "steps/s" for full-batch fitting, "run-steps/s" (runs × steps) for ensembles. */
  unit: 'samples/s' | 'steps/s' | 'run-steps/s';
  parameters: number;
  ours: number;
  /** Ensembles: our same runs trained one after another (run-steps/s). */
  oursOneAtATime: number | null;
  /** The peer's rate per thread count; for ensembles, batched (torch.baddbmm), with `oneAtATime` the runs one after another. */
  peer: { threads: Record<string, number>; oneAtATime?: Record<string, number> } | null;
  /** ours / the peer's best thread count (for ensembles: its batched version). */
  ratio: number | null;
  /** Ensembles: ours / the peer's runs one after another, at its best thread count. */
  ratioOneAtATime: number | null;
}

export function benchCases(): BenchCase[] {
  const tasks = loadStageConfig(trainOnTasks, 'full').config;
  const fit = loadStageConfig(simulateFunction, 'full').config;
  const ratio = loadStageConfig(minimalRatio, 'full').config;
  const mlpSpec: MlpSpec = { inputs: 784, hidden: [128], outputs: 10, activation: 'relu' };
  return [
    {
      name: 'mlp 784-128-10 (batch 128)',
      kind: 'mlp',
      inputs: 784,
      hidden: [128],
      classes: 10,
      batch: 128,
      learningRate: 1e-3,
      parameters: parameterCount(mlpSpec),
    },
    ...tasks.models.map((m): BenchCase => {
      const spec: CnnSpec = { input: [28, 28, 1], blocks: m.blocks, dense: m.dense, classes: 10 };
      return { name: `${m.name} (batch 64)`, kind: 'cnn', ...spec, batch: 64, learningRate: tasks.learningRate, parameters: cnnParameterCount(spec) };
    }),
    ...fit.models.map(
      (m): BenchCase => ({
        name: `fit ${m.name} (${fit.trainingPoints} points)`,
        kind: 'fit',
        hidden: m.hidden,
        points: fit.trainingPoints,
        learningRate: fit.learningRate,
        parameters: parameterCount({ inputs: 1, hidden: m.hidden, outputs: 1, activation: 'relu' }),
      }),
    ),
    ...fit.models.map(
      (m): BenchCase => ({
        name: `${fit.functions.length * fit.seeds.length} fits ${m.name}`,
        kind: 'ensemble',
        hidden: m.hidden,
        activation: fit.activation,
        points: fit.trainingPoints,
        runs: fit.functions.length * fit.seeds.length,
        learningRate: fit.learningRate,
        parameters: parameterCount({ inputs: 1, hidden: m.hidden, outputs: 1, activation: fit.activation }),
      }),
    ),
    {
      name: `${ratio.runs} minimal-ratio nets`,
      kind: 'ensemble',
      hidden: ratio.hidden,
      activation: ratio.activation,
      points: ratio.trainingPoints,
      runs: ratio.runs,
      learningRate: ratio.phase1.learningRate,
      parameters: parameterCount({ inputs: 1, hidden: ratio.hidden, outputs: 1, activation: ratio.activation }),
    },
  ];
}

/** One Adam step of a case on fixed random data, as a closure; `dispose` frees everything. */
function trainer(c: BenchCase): { step: () => void; dispose: () => void; perStep: number } {
  const rng = createRng(1);
  const random = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next()),
      shape,
    );
  // Integer labels and the loss the stages train with (nn/fused.ts).
  const labels = (n: number, classes: number) =>
    tf.tensor1d(
      Int32Array.from({ length: n }, () => rng.int(classes)),
      'int32',
    );
  // With the native kernels the stages train full-batch fits by the fused kernel (train/fused-mlp.ts), and so does this, a step per call.
  const fused = (spec: MlpSpec, members: tf.Tensor[][], inputs: tf.Tensor, targets: tf.Tensor, points: number) => {
    const runs = new FusedMlpEnsemble(
      activeAddon()!,
      spec,
      members,
      inputs.dataSync() as Float32Array,
      targets.dataSync() as Float32Array,
      points,
      c.learningRate,
      1,
    );
    tf.dispose([...members.flat(), inputs, targets]);
    return { step: () => void runs.train(1), dispose: () => {}, perStep: members.length };
  };
  let params: tf.Tensor[];
  let x: tf.Tensor;
  let y: tf.Tensor;
  let loss: (p: readonly tf.Tensor[]) => tf.Scalar;
  let perStep: number;
  if (c.kind === 'mlp') {
    params = initMlp({ inputs: c.inputs, hidden: c.hidden, outputs: c.classes, activation: 'relu' }, rng);
    x = random([c.batch, c.inputs]);
    y = labels(c.batch, c.classes);
    loss = (p) => softmaxCrossEntropy(mlp(p, x as tf.Tensor2D, 'relu'), y as tf.Tensor1D);
    perStep = c.batch;
  } else if (c.kind === 'cnn') {
    const spec: CnnSpec = { input: c.input, blocks: c.blocks, dense: c.dense, classes: c.classes };
    params = initCnn(spec, rng);
    x = random([c.batch, ...c.input]);
    y = labels(c.batch, c.classes);
    loss = (p) => softmaxCrossEntropy(cnn(spec, p, x as tf.Tensor4D), y as tf.Tensor1D);
    perStep = c.batch;
  } else if (c.kind === 'fit') {
    const act = c.activation ?? 'relu';
    params = initMlp({ inputs: 1, hidden: c.hidden, outputs: 1, activation: act }, rng);
    x = random([c.points, 1]);
    y = tf.sin(tf.mul(x, 15));
    if (activeAddon()) return fused({ inputs: 1, hidden: c.hidden, outputs: 1, activation: act }, [params], x, y, c.points);
    loss = (p) => tf.mean(tf.squaredDifference(mlp(p, x as tf.Tensor2D, act), y)) as tf.Scalar;
    perStep = 1;
  } else {
    const spec: MlpSpec = { inputs: 1, hidden: c.hidden, outputs: 1, activation: c.activation };
    const members = Array.from({ length: c.runs }, () => initMlp(spec, rng));
    // Each run on its own inputs, as the stages' runs are.
    x = random([c.runs, 1, c.points]);
    y = tf.sin(tf.mul(x, 15));
    if (activeAddon()) return fused(spec, members, x, y, c.points);
    params = stackMlps(members);
    tf.dispose(members.flat());
    const act = c.activation;
    loss = (p) => tf.sum(ensembleMeanSquaredError(ensembleMlp(p, x as tf.Tensor3D, act), y as tf.Tensor3D)) as tf.Scalar;
    perStep = c.runs;
  }
  const vars = params.map((p) => tf.variable(p));
  tf.dispose(params);
  const optimizer = makeOptimizer('adam', c.learningRate);
  return {
    // Read the loss back every step, as the stages do.
    step: () => tf.tidy(() => void optimizer.minimize(() => loss(vars), true)!.dataSync()),
    dispose: () => {
      optimizer.dispose();
      tf.dispose([...vars, x, y]);
    },
    perStep,
  };
}

/** The same runs one after another: one run's steps per second is the rate in run-steps per second. */
function oneAtATime(c: Extract<BenchCase, { kind: 'ensemble' }>): BenchCase {
  return { name: c.name, kind: 'fit', hidden: c.hidden, activation: c.activation, points: c.points, learningRate: c.learningRate, parameters: c.parameters };
}

function measure(c: BenchCase, seconds: number): number {
  const t = trainer(c);
  try {
    const warm = performance.now();
    while (performance.now() - warm < 300) t.step();
    let steps = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      t.step();
      steps++;
    }
    return (steps * t.perStep) / ((performance.now() - start) / 1000);
  } finally {
    t.dispose();
  }
}

export interface KernelShare {
  kernel: string;
  /** Milliseconds per training step. */
  ms: number;
  calls: number;
}

/**
 * Where a training step's time goes: tfjs's profiler over `steps` steps,
 * kernels summed by name and by name with input shapes, per step. The
 * profiler's own timing inflates small kernels; `wallMs` is measured without it.
 */
export async function profileCase(
  c: BenchCase,
  steps: number,
): Promise<{ wallMs: number; kernelMs: number; kernels: number; byName: KernelShare[]; byShape: KernelShare[] }> {
  const t = trainer(c);
  try {
    for (let i = 0; i < 5; i++) t.step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) t.step();
    const wallMs = (performance.now() - start) / steps;
    const info = await tf.profile(() => {
      for (let i = 0; i < steps; i++) t.step();
    });
    const sum = (key: (k: (typeof info.kernels)[number]) => string): KernelShare[] => {
      const totals = new Map<string, KernelShare>();
      for (const k of info.kernels) {
        const name = key(k);
        const entry = totals.get(name) ?? { kernel: name, ms: 0, calls: 0 };
        entry.ms += Number(k.kernelTimeMs) / steps;
        entry.calls += 1 / steps;
        totals.set(name, entry);
      }
      return [...totals.values()].sort((a, b) => b.ms - a.ms);
    };
    const byName = sum((k) => k.name);
    return {
      wallMs,
      kernelMs: byName.reduce((s, k) => s + k.ms, 0),
      kernels: info.kernels.length / steps,
      byName,
      byShape: sum((k) => `${k.name} ${k.inputShapes.map((shape) => `[${shape?.join(',') ?? ''}]`).join(' ')}`),
    };
  } finally {
    t.dispose();
  }
}

/** The cases whose name contains `only` (all without it); none is a usage error. */
function selectCases(only: string | null): BenchCase[] {
  const cases = benchCases().filter((c) => only === null || c.name.includes(only));
  if (!cases.length)
    throw new UsageError(
      `no bench case name contains "${only}"; cases: ${benchCases()
        .map((c) => c.name)
        .join('; ')}`,
    );
  return cases;
}

/** `npm run bench -- --profile`: the kernel profile of every case whose name contains `only`. */
export async function profile(only: string | null, steps: number): Promise<void> {
  const backend = await selectBackend();
  process.stdout.write(`backend ${backend.name}: ${backend.detail}\n`);
  for (const c of selectCases(only)) {
    const p = await profileCase(c, steps);
    if (p.kernels === 0) {
      // The fused MLP kernel trains a whole step in one native call, outside tfjs's engine.
      process.stdout.write(
        `\n${c.name}: ${p.wallMs.toFixed(3)} ms per step, one native call (no tfjs kernels to profile; HW1_BACKEND=wasm shows the tfjs path)\n`,
      );
      continue;
    }
    process.stdout.write(
      `\n${c.name}: ${p.wallMs.toFixed(2)} ms per step (${p.kernels.toFixed(0)} kernels; ${p.kernelMs.toFixed(2)} ms in kernels under the profiler)\n`,
    );
    const rows = (list: KernelShare[]) =>
      list.slice(0, 8).map((k) => [k.kernel, k.ms.toFixed(3), `${((100 * k.ms) / p.kernelMs).toFixed(0)}%`, k.calls.toFixed(0)]);
    process.stdout.write(`${table([['kernel', 'ms/step', 'share', 'calls/step'], ...rows(p.byName)])}\n\n`);
    process.stdout.write(`${table([['kernel and input shapes', 'ms/step', 'share', 'calls/step'], ...rows(p.byShape)])}\n`);
  }
}

/** The first python3 that can import torch, or null. */
export function findPython(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
    if (r.status === 0) return python;
  }
  return null;
}

export interface PeerResult {
  parameters: number;
  threads: Record<string, number>;
  /** Ensemble cases: the runs one after another. */
  oneAtATime?: Record<string, number>;
}

/** What the peer ran on, as peer.py finds it in its own process. */
export interface PeerEnvironment {
  torch: string;
  pythonVersion: string;
  threads: {
    /** torch's own choice, before the bench sets any. */
    default: number;
    interop: number;
    /** The BLAS's own thread count while torch ran at each thread count (OpenBLAS keeps a pool of its own; the peer sets it to torch's count); null where unknown. */
    blas: Record<string, number | null>;
  };
  blas: {
    name: 'OpenBLAS' | 'MKL' | 'BLIS' | 'Accelerate' | 'reference BLAS' | 'unknown';
    /** The library torch calls, symlinks resolved; null when it is linked into torch (pip's MKL) or unknown. */
    path: string | null;
    /** Every BLAS-like library mapped into the process. */
    loaded: string[];
    /** "/proc/self/maps", or torch's build-time BLAS_INFO where the process cannot be read. */
    source: string;
    /** OpenBLAS: its build string and the core its kernels were chosen for. */
    config?: string;
    core?: string;
  };
  onednn: { available: boolean; version: string | null; line: string | null; path: string | null };
  /** The variables set among those that change which kernels run (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE, thread counts). */
  environment: Record<string, string>;
}

export function runPeer(python: string, cases: BenchCase[], seconds: number, threads: number[]): { results: PeerResult[]; environment: PeerEnvironment } {
  const r = spawnSync(python, [join(sourceRoot, 'bench', 'peer.py')], {
    input: JSON.stringify({ cases, seconds, threads }),
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`PyTorch peer failed (${python}):\n${r.stderr}`);
  const { results, peer: environment } = JSON.parse(r.stdout) as { results: PeerResult[]; peer: PeerEnvironment };
  cases.forEach((c, i) => {
    // Both sides must train the same model, or the ratio means nothing.
    if (results[i]!.parameters !== c.parameters) throw new Error(`PyTorch's ${c.name} has ${results[i]!.parameters} parameters, ours ${c.parameters}`);
  });
  return { results, environment };
}

/**
 * The table's lines about the peer (what PyTorch ran on), and a warning when
 * its BLAS is the reference one or unknown: every ratio would then flatter ours.
 */
export function describePeer(python: string, env: PeerEnvironment): { lines: string[]; warning: string | null } {
  const { blas, onednn, threads } = env;
  const where = blas.path ?? (blas.name === 'unknown' ? 'no BLAS library found' : 'linked into torch');
  const lines = [
    `peer: PyTorch ${env.torch} via ${python}, BLAS ${blas.name} (${where}), ${onednn.available ? `oneDNN ${onednn.version ?? '(version unknown)'}` : 'no oneDNN'}`,
  ];
  const counts = Object.keys(threads.blas);
  const pool = counts.map((t) => threads.blas[t]);
  lines.push(
    `peer threads: torch ${counts.join(' and ')} (its default ${threads.default})` +
      (pool.some((n) => n !== null) ? `; ${blas.name}'s own pool ${pool.map((n) => n ?? '?').join(' and ')} (set to match torch's)` : '') +
      (blas.core ? `; ${blas.name} kernels for ${blas.core}` : ''),
  );
  const set = Object.entries(env.environment);
  if (set.length) lines.push(`peer environment: ${set.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const optimized = blas.name !== 'reference BLAS' && blas.name !== 'unknown';
  const warning = optimized
    ? null
    : `warning: PyTorch's BLAS is ${blas.name === 'unknown' ? 'not one known to be optimized' : 'the reference BLAS'} (${where}), so this comparison understates PyTorch; on Debian/Ubuntu, apt-get install libopenblas0-pthread selects OpenBLAS.`;
  return { lines, warning };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map(
      (r, k) =>
        r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ') +
        (k === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    )
    .join('\n');
}

export interface BenchOptions {
  json: boolean;
  /** Seconds of measurement per case and side. */
  seconds: number;
  peer: boolean;
  /** Only the cases whose name contains this. */
  only?: string | null;
}

/** Measures every case (and the peer's), printing a table or, with `json`, one JSON document. */
export async function bench({ json, seconds, peer: withPeer, only = null }: BenchOptions): Promise<void> {
  const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);

  const backend: BackendInfo = await selectBackend();
  log(`backend ${backend.name}: ${backend.detail}`);
  const cases = selectCases(only);
  const ours = cases.map((c) => {
    const rate = measure(c, seconds);
    log(`  ours      ${c.name}: ${rate.toFixed(0)}`);
    return rate;
  });
  const oursOneAtATime = cases.map((c) => {
    if (c.kind !== 'ensemble') return null;
    const rate = measure(oneAtATime(c), seconds);
    log(`  ours      ${c.name}, one at a time: ${rate.toFixed(0)}`);
    return rate;
  });

  const python = withPeer ? findPython() : null;
  const threads = [...new Set([1, cpus().length])];
  let peer: PeerResult[] | null = null;
  let peerEnvironment: PeerEnvironment | null = null;
  let described: ReturnType<typeof describePeer> | null = null;
  if (python) {
    log(`peer: PyTorch via ${python}, ${threads.join(' and ')} thread(s)`);
    ({ results: peer, environment: peerEnvironment } = runPeer(python, cases, seconds, threads));
    described = describePeer(python, peerEnvironment);
    if (json) for (const line of described.lines) log(line);
    if (described.warning) process.stderr.write(`${described.warning}\n`);
  } else if (withPeer) {
    log('peer: none (no python3 can import torch; apt-get install python3-torch to compare)');
  }

  const results: CaseResult[] = cases.map((c, i) => {
    const p = peer?.[i] ?? null;
    const best = p ? Math.max(...Object.values(p.threads)) : null;
    const bestOneAtATime = p?.oneAtATime ? Math.max(...Object.values(p.oneAtATime)) : null;
    return {
      name: c.name,
      unit: c.kind === 'fit' ? 'steps/s' : c.kind === 'ensemble' ? 'run-steps/s' : 'samples/s',
      parameters: c.parameters,
      ours: ours[i]!,
      oursOneAtATime: oursOneAtATime[i]!,
      peer: p ? { threads: p.threads, ...(p.oneAtATime ? { oneAtATime: p.oneAtATime } : {}) } : null,
      ratio: best ? ours[i]! / best : null,
      ratioOneAtATime: bestOneAtATime ? ours[i]! / bestOneAtATime : null,
    };
  });

  if (json) {
    const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.versions.node };
    const peerDoc = python && peerEnvironment ? { name: 'PyTorch', python, ...peerEnvironment, warning: described!.warning } : null;
    process.stdout.write(`${JSON.stringify({ backend, machine, seconds, peer: peerDoc, cases: results }, null, 2)}\n`);
    return;
  }
  const header = [
    'case',
    'unit',
    'params',
    `ours (${backend.name})`,
    'ours 1 by 1',
    ...(peer ? threads.map((t) => `PyTorch ${t}T`) : []),
    ...(peer ? threads.map((t) => `PyTorch 1 by 1 ${t}T`) : []),
    ...(peer ? ['ours / PyTorch (best T)', 'ours / PyTorch 1 by 1 (best T)'] : []),
  ];
  const cell = (v: number | null | undefined, digits = 0) => (v === null || v === undefined ? '' : v.toFixed(digits));
  const rows = results.map((r) => [
    r.name,
    r.unit,
    String(r.parameters),
    r.ours.toFixed(0),
    cell(r.oursOneAtATime),
    ...(peer ? threads.map((t) => cell(r.peer!.threads[String(t)])) : []),
    ...(peer ? threads.map((t) => cell(r.peer!.oneAtATime?.[String(t)])) : []),
    ...(peer ? [cell(r.ratio, 2), cell(r.ratioOneAtATime, 2)] : []),
  ]);
  const above = described ? `\n${[...described.lines, ...(described.warning ? [described.warning] : [])].join('\n')}\n` : '';
  process.stdout.write(`${above}\n${table([header, ...rows])}\n`);
  process.stdout.write(
    `\nEnsemble rows: "ours" trains the runs together as one batched model, "1 by 1" the same runs one after another (run-steps/s = runs × steps per second).\n`,
  );
  if (peer)
    process.stdout.write(
      `ours / PyTorch (best T) compares with PyTorch at its faster thread count; for ensembles, with PyTorch batched (torch.baddbmm) and one after another.\n`,
    );
}
