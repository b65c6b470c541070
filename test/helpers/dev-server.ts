/**
 * `npm run dev` as a user starts it, in a scratch copy of the project (its own
 * Astro and Vite caches, its own configs and artifacts): on 127.0.0.1 and a
 * free port, in its own process group so that stopping it stops npm, Astro
 * and everything they started. Waits are liveness guards, not budgets.
 */

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { type Result, root } from './helpers.ts';

export interface DevServer {
  url: string;
  /** Everything the server printed so far (for failure messages). */
  log(): string;
  /** The page at `path` (e.g. "/1-1-simulate-function"), with its status. */
  get(path: string): Promise<{ status: number; html: string }>;
  stop(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** The environment of a command run in the copy, as in a user's shell: the project's Node first on PATH, no HW1_* but `env`. */
export function copyEnv(dir: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  // Vitest's own variables too (NODE_ENV=test, VITEST…): under them Astro's dev server routes no page.
  for (const k of Object.keys(e)) if (/^(HW1_|TURBO_|VITEST)/.test(k) || ['NODE_ENV', 'TEST', 'MODE'].includes(k)) delete e[k];
  return { ...e, PATH: `${join(dir, 'node_modules/.bin')}:${join(root, 'node_modules/.bin')}:${process.env.PATH}`, ...env };
}

/** Starts `npm run dev` in the project copy `dir`; resolves once it serves. */
export async function startDevServer(dir: string, env: NodeJS.ProcessEnv = {}): Promise<DevServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('npm', ['run', 'dev', '--', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: dir,
    env: copyEnv(dir, env),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
    if (!killed) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone in the meantime
      }
      await exited;
    }
  };
  // The address Astro prints (it moves to another port if this one was taken in the meantime).
  // Astro colours its output.
  const plain = () => stripVTControlCharacters(output);
  const started = Date.now();
  let url: string | undefined;
  while (!url) {
    if (child.exitCode !== null) throw new Error(`npm run dev exited (${child.exitCode}):\n${plain()}`);
    if (Date.now() - started > 120_000) {
      await stop();
      throw new Error(`npm run dev did not start within 2 minutes:\n${plain()}`);
    }
    url = /Local\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(plain())?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = url;
  return {
    url: base,
    log: plain,
    get: (path) =>
      // A new connection each time: fetch would reuse one that the server may be closing just then (its keep-alive ends after 5 s idle).
      new Promise((resolve, reject) => {
        const req = request(`${base}${path}`, { agent: false, timeout: 120_000 }, (res) => {
          let html = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (html += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, html }));
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error('no answer within 2 minutes')));
        req.on('error', (err) => reject(new Error(`GET ${path} failed (${err.message}); the server said:\n${plain()}`, { cause: err })));
        req.end();
      }),
    stop,
  };
}

/** Runs a stage with the copy's own CLI (so its code hash is the copy's). */
export function runCopyStage(dir: string, stage: string, env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [join(dir, 'pipeline/src/bin/stage.ts'), stage], {
    cwd: join(dir, 'pipeline'),
    env: copyEnv(dir, { HW1_WORKERS: '1', ...env }),
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Polls `check` until it returns a value (not undefined), for at most `ms`; throws with `what` otherwise. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
