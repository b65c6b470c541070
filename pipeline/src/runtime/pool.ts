/**
 * Runs a stage's independent training runs on every core: a pool of worker
 * threads, each with its own tfjs and backend, takes jobs in order. Every run
 * is seeded on its own, so results do not depend on which worker ran it, in
 * what order, or how many workers there were. A job starts only once it has
 * one of the machine's core slots (cores.ts), so stages running side by side
 * share the cores instead of oversubscribing them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { BackendInfo, JobInfo, RunOne } from '../core/stage.ts';
import { acquireCore, type CoreSlot, coreCount } from './cores.ts';

export interface PoolOptions {
  /** Worker threads; 1 runs everything in this thread. */
  workers: number;
  backend: BackendInfo['name'];
  stage: string;
  progress: Progress;
  /** The closing line of a finished run. */
  summary: (result: unknown) => string;
  /** Steps a finished run actually took, when it can stop early (see RunProgress.end). */
  stepsDone?: (result: unknown, job: unknown) => number;
  /** Said once, when a job has to wait for a core that other runs hold. */
  waiting?: (message: string) => void;
  /** Said of a core slot skipped as unusable (once per slot). */
  warn?: (message: string) => void;
}

/** HW1_WORKERS, or one per core. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  if (env.HW1_WORKERS === undefined || env.HW1_WORKERS === '') return availableParallelism();
  const n = Number(env.HW1_WORKERS);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`HW1_WORKERS="${env.HW1_WORKERS}" is not a positive integer`);
  return n;
}

type FromWorker =
  | { type: 'ready' }
  | { type: 'progress'; id: number; step: number; metric: string }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'failed'; id: number; error: string };

export async function runJobs<C, J, R>(config: C, jobs: readonly J[], info: (job: J) => JobInfo, runOne: RunOne<C, J, R>, options: PoolOptions): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  const workers = Math.min(options.workers, jobs.length);
  let said = false;
  const waiting = (holders: string) => {
    if (said) return;
    said = true;
    options.waiting?.(`waiting for a free core: all ${coreCount()} are training other runs (HW1_CORES; ${holders}); this stage's runs start as they free up`);
  };
  const warn = (message: string) => options.warn?.(message);
  const held = new Set<CoreSlot>();
  if (workers <= 1) {
    for (const [i, job] of jobs.entries()) {
      const core = (await acquireCore({ waiting, warn }))!;
      held.add(core);
      try {
        const { label, steps } = info(job);
        const run = options.progress.start(label, steps);
        results[i] = await runOne(config, job, (step, metric) => run.update(step, metric));
        run.end(options.summary(results[i]), options.stepsDone?.(results[i], job));
      } finally {
        core.release();
        held.delete(core);
      }
    }
    return results;
  }

  let next = 0;
  let failed = false;
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const runs = new Map<number, { progress: ReturnType<Progress['start']>; core: CoreSlot }>();
      const give = async (worker: Worker): Promise<void> => {
        if (next >= jobs.length) return;
        const id = next++;
        const core = await acquireCore({ waiting, warn, cancelled: () => failed });
        if (!core) return;
        held.add(core);
        const { label, steps } = info(jobs[id]!);
        runs.set(id, { progress: options.progress.start(label, steps), core });
        worker.postMessage({ type: 'job', id, job: jobs[id] });
      };
      const fail = (err: Error): void => {
        failed = true;
        reject(err);
      };
      for (let w = 0; w < workers; w++) {
        const worker = new Worker(new URL('./worker.ts', import.meta.url), {
          workerData: { stage: options.stage, backend: options.backend, config },
        });
        pool.push(worker);
        worker.on('message', (msg: FromWorker) => {
          if (msg.type === 'ready') give(worker).catch(fail);
          else if (msg.type === 'progress') runs.get(msg.id)?.progress.update(msg.step, msg.metric);
          else if (msg.type === 'failed') fail(new Error(`${info(jobs[msg.id]!).label} failed in a worker: ${msg.error}`));
          else {
            results[msg.id] = msg.result as R;
            const run = runs.get(msg.id)!;
            run.core.release();
            held.delete(run.core);
            run.progress.end(options.summary(msg.result), options.stepsDone?.(msg.result, jobs[msg.id]));
            runs.delete(msg.id);
            if (++finished === jobs.length) resolve();
            else give(worker).catch(fail);
          }
        });
        worker.on('error', fail);
        worker.on('exit', (code) => {
          if (finished < jobs.length && code !== 0) fail(new Error(`a worker of stage ${options.stage} exited with code ${code}`));
        });
      }
    });
  } finally {
    failed = true;
    for (const core of held) core.release();
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
