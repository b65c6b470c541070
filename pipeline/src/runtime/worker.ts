/**
 * A worker thread of the run pool (pool.ts): selects the stage's backend,
 * loads the stage's run module, then runs the jobs it is sent, one at a time.
 * Protocol: the worker says `ready`, then answers every `job` with
 * `progress` messages and one `done` or `failed`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BackendInfo, RunOne } from '../core/stage.ts';
import { selectBackend } from './backend.ts';

const { stage, backend, config } = workerData as { stage: string; backend: BackendInfo['name']; config: unknown };
const port = parentPort!;
await selectBackend(backend);
const module = (await import(`../stages/${stage}/run.ts`)) as { runOne: RunOne<unknown, unknown, unknown> };

port.on('message', async (msg: { type: 'job'; id: number; job: unknown }) => {
  try {
    let last = 0;
    const result = await module.runOne(config, msg.job, (step, metric) => {
      // Progress crosses threads at most ~10 times a second per run.
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      port.postMessage({ type: 'progress', id: msg.id, step, metric });
    });
    port.postMessage({ type: 'done', id: msg.id, result });
  } catch (err) {
    port.postMessage({ type: 'failed', id: msg.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  }
});
port.postMessage({ type: 'ready' });
