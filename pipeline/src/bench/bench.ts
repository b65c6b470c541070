/**
 * Training throughput on the active backend (`npm run bench`, bin/bench.ts),
 * next to PyTorch on the same machine when python3 with torch is importable
 * (peer.py trains the same models). Cases: the MNIST MLP 784-128-10 (batch 128, Adam), each CNN
 * of train-on-tasks (batch 64, Adam, MNIST shape), and full-batch function
 * fitting with each model of simulate-function (256 points, Adam).
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadStageConfig } from '../core/config.ts';
import { sourceRoot } from '../core/paths.ts';
import { createRng } from '../core/random.ts';
import type { BackendInfo } from '../core/stage.ts';
import { cnn, initCnn } from '../nn/cnn.ts';
import { type CnnSpec, cnnParameterCount } from '../nn/cnn-shape.ts';
import { initMlp, mlp } from '../nn/mlp.ts';
import { type MlpSpec, parameterCount } from '../nn/mlp-shape.ts';
import { selectBackend } from '../runtime/backend.ts';
import { spec as simulateFunction } from '../stages/simulate-function/spec.ts';
import { spec as trainOnTasks } from '../stages/train-on-tasks/spec.ts';

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
  | { name: string; kind: 'fit'; hidden: number[]; points: number; learningRate: number; parameters: number };

export interface CaseResult {
  name: string;
  /** "samples/s" for mini-batch cases, "steps/s" for full-batch fitting. */
  unit: 'samples/s' | 'steps/s';
  parameters: number;
  ours: number;
  peer: { threads: Record<string, number> } | null;
  /** ours / the peer's best thread count. */
  ratio: number | null;
}

export function benchCases(): BenchCase[] {
  const tasks = loadStageConfig(trainOnTasks, 'full').config;
  const fit = loadStageConfig(simulateFunction, 'full').config;
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
  const labels = (n: number, classes: number) =>
    tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          Int32Array.from({ length: n }, () => rng.int(classes)),
          'int32',
        ),
        classes,
      ),
    );
  let params: tf.Tensor[];
  let x: tf.Tensor;
  let y: tf.Tensor;
  let loss: (p: readonly tf.Tensor[]) => tf.Scalar;
  let perStep: number;
  if (c.kind === 'mlp') {
    params = initMlp({ inputs: c.inputs, hidden: c.hidden, outputs: c.classes, activation: 'relu' }, rng);
    x = random([c.batch, c.inputs]);
    y = labels(c.batch, c.classes);
    loss = (p) => tf.losses.softmaxCrossEntropy(y, mlp(p, x as tf.Tensor2D, 'relu')) as tf.Scalar;
    perStep = c.batch;
  } else if (c.kind === 'cnn') {
    const spec: CnnSpec = { input: c.input, blocks: c.blocks, dense: c.dense, classes: c.classes };
    params = initCnn(spec, rng);
    x = random([c.batch, ...c.input]);
    y = labels(c.batch, c.classes);
    loss = (p) => tf.losses.softmaxCrossEntropy(y, cnn(spec, p, x as tf.Tensor4D)) as tf.Scalar;
    perStep = c.batch;
  } else {
    params = initMlp({ inputs: 1, hidden: c.hidden, outputs: 1, activation: 'relu' }, rng);
    x = random([c.points, 1]);
    y = tf.sin(tf.mul(x, 15));
    loss = (p) => tf.mean(tf.squaredDifference(mlp(p, x as tf.Tensor2D, 'relu'), y)) as tf.Scalar;
    perStep = 1;
  }
  const vars = params.map((p) => tf.variable(p));
  tf.dispose(params);
  const optimizer = tf.train.adam(c.learningRate);
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
}

export function runPeer(python: string, cases: BenchCase[], seconds: number, threads: number[]): PeerResult[] {
  const r = spawnSync(python, [join(sourceRoot, 'bench', 'peer.py')], {
    input: JSON.stringify({ cases, seconds, threads }),
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`PyTorch peer failed (${python}):\n${r.stderr}`);
  const results = (JSON.parse(r.stdout) as { results: PeerResult[] }).results;
  cases.forEach((c, i) => {
    // Both sides must train the same model, or the ratio means nothing.
    if (results[i]!.parameters !== c.parameters) throw new Error(`PyTorch's ${c.name} has ${results[i]!.parameters} parameters, ours ${c.parameters}`);
  });
  return results;
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
}

/** Measures every case (and the peer's), printing a table or, with `json`, one JSON document. */
export async function bench({ json, seconds, peer: withPeer }: BenchOptions): Promise<void> {
  const log = (m: string) => (json ? process.stderr : process.stdout).write(`${m}\n`);

  const backend: BackendInfo = await selectBackend();
  log(`backend ${backend.name}: ${backend.detail}`);
  const cases = benchCases();
  const ours = cases.map((c) => {
    const rate = measure(c, seconds);
    log(`  ours      ${c.name}: ${rate.toFixed(0)}`);
    return rate;
  });

  const python = withPeer ? findPython() : null;
  const threads = [...new Set([1, cpus().length])];
  let peer: PeerResult[] | null = null;
  if (python) {
    log(`peer: PyTorch via ${python}, ${threads.join(' and ')} thread(s)`);
    peer = runPeer(python, cases, seconds, threads);
  } else if (withPeer) {
    log('peer: none (no python3 can import torch; apt-get install python3-torch to compare)');
  }

  const results: CaseResult[] = cases.map((c, i) => {
    const p = peer?.[i] ?? null;
    const best = p ? Math.max(...Object.values(p.threads)) : null;
    return {
      name: c.name,
      unit: c.kind === 'fit' ? 'steps/s' : 'samples/s',
      parameters: c.parameters,
      ours: ours[i]!,
      peer: p ? { threads: p.threads } : null,
      ratio: best ? ours[i]! / best : null,
    };
  });

  if (json) {
    const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.versions.node };
    process.stdout.write(`${JSON.stringify({ backend, machine, seconds, peer: python ? { name: 'PyTorch', python } : null, cases: results }, null, 2)}\n`);
    return;
  }
  const header = [
    'case',
    'unit',
    'params',
    `ours (${backend.name})`,
    ...(peer ? threads.map((t) => `PyTorch ${t}T`) : []),
    ...(peer ? ['ours / PyTorch'] : []),
  ];
  const rows = results.map((r) => [
    r.name,
    r.unit,
    String(r.parameters),
    r.ours.toFixed(0),
    ...(peer ? threads.map((t) => r.peer!.threads[String(t)]!.toFixed(0)) : []),
    ...(peer ? [r.ratio!.toFixed(2)] : []),
  ]);
  process.stdout.write(`\n${table([header, ...rows])}\n`);
  if (peer) process.stdout.write(`\nours / PyTorch compares with PyTorch's faster thread count.\n`);
}
