/**
 * Runs a stage's independent training runs on every core: a pool of worker
 * threads, each with its own tfjs and backend, takes jobs in order. Every run
 * is seeded on its own, so results do not depend on which worker ran it, in
 * what order, or how many workers there were.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError } from '../core/errors.ts';
import type { Progress } from '../core/progress.ts';
import type { BackendInfo, JobInfo, RunOne } from '../core/stage.ts';

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
  if (workers <= 1) {
    for (const [i, job] of jobs.entries()) {
      const { label, steps } = info(job);
      const run = options.progress.start(label, steps);
      results[i] = await runOne(config, job, (step, metric) => run.update(step, metric));
      run.end(options.summary(results[i]), options.stepsDone?.(results[i], job));
    }
    return results;
  }

  let next = 0;
  const pool: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let finished = 0;
      const runs = new Map<number, ReturnType<Progress['start']>>();
      const give = (worker: Worker): void => {
        if (next >= jobs.length) return;
        const id = next++;
        const { label, steps } = info(jobs[id]!);
        runs.set(id, options.progress.start(label, steps));
        worker.postMessage({ type: 'job', id, job: jobs[id] });
      };
      for (let w = 0; w < workers; w++) {
        const worker = new Worker(new URL('./worker.ts', import.meta.url), {
          workerData: { stage: options.stage, backend: options.backend, config },
        });
        pool.push(worker);
        worker.on('message', (msg: FromWorker) => {
          if (msg.type === 'ready') give(worker);
          else if (msg.type === 'progress') runs.get(msg.id)?.update(msg.step, msg.metric);
          else if (msg.type === 'failed') reject(new Error(`${info(jobs[msg.id]!).label} failed in a worker: ${msg.error}`));
          else {
            results[msg.id] = msg.result as R;
            runs.get(msg.id)!.end(options.summary(msg.result), options.stepsDone?.(msg.result, jobs[msg.id]));
            runs.delete(msg.id);
            if (++finished === jobs.length) resolve();
            else give(worker);
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (finished < jobs.length && code !== 0) reject(new Error(`a worker of stage ${options.stage} exited with code ${code}`));
        });
      }
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
