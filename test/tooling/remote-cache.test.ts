/**
 * Results shared through a remote turbo cache (`npm run cache-server`, the
 * maintained turborepo-remote-cache, on 127.0.0.1 and a free port), between
 * scratch copies of the project standing for machines: two "runners" each
 * compute half of the stages, a third copy builds the report with every
 * stage replayed, byte for byte; an entry altered on the server is
 * recomputed and said so; a wrong token, or the server stopped mid-way,
 * leaves a run that completes locally. Stage configs cut to seconds.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestSummary, type TaskSummary } from '../../pipeline/src/compare/diff.ts';
import { stageOfTask } from '../../pipeline/src/core/stage-task.ts';
import { root, stageList, tempDir, tinyConfig, tmpfs } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';
import { tinyConfigs, tinyTrainOnTasks } from '../helpers/tiny-configs.ts';

const configs: Record<string, string> = {
  ...tinyConfigs,
  'train-on-tasks': tinyTrainOnTasks,
  'simulate-function': tinyConfig('simulate-function', { seeds: [1], epochs: 20 }),
  'minimal-ratio': tinyConfig('minimal-ratio', { runs: 2, 'phase1.epochs': 40, 'phase2.maxSteps': 5 }),
  'optimization-process': tinyConfig('optimization-process', {
    seeds: [1, 2],
    trainingPoints: 64,
    batchSize: 32,
    epochs: 6,
    hidden: [6, 6],
    layer: 2,
    'surface.resolution': 5,
  }),
};
const stages = stageList.map((s) => s.name);
const token = 'test-token-0123456789';
const key = 'a-signature-key-every-client-shares-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** What each server printed until it was ready. */
const started = new WeakMap<ChildProcess, string>();

/** `npm run cache-server` (the script itself), ready when it prints where it listens; `serverToken` null: none given, so the server makes its own. */
async function startServer(dir: string, port: number, serverToken: string | null = token): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, HW1_CACHE_PORT: String(port), HW1_CACHE_DIR: dir };
  if (serverToken === null) delete env.TURBO_TOKEN;
  else env.TURBO_TOKEN = serverToken;
  const child = spawn(process.execPath, [join(root, 'pipeline/src/bin/cache-server.ts')], { env });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  for (let i = 0; i < 600 && !out.includes('turbo remote cache on'); i++) {
    if (child.exitCode !== null) throw new Error(`the cache server stopped:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!out.includes('turbo remote cache on')) throw new Error(`the cache server did not start within 60 s:\n${out}`);
  started.set(child, out);
  return child;
}

const stopServer = (child: ChildProcess | undefined): Promise<void> =>
  new Promise((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

/** A "machine": a scratch copy of the project with the tiny configs and nothing in its local cache. */
async function machine(): Promise<string> {
  const dir = await projectCopy();
  for (const [name, text] of Object.entries(configs)) writeFileSync(join(dir, 'content/experiments', `${name}.yaml`), text);
  return dir;
}

describe('a remote turbo cache shared between machines', () => {
  let storage: string;
  let port: number;
  let server: ChildProcess | undefined;
  const remote = (team: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    TURBO_API: `http://127.0.0.1:${port}`,
    TURBO_TOKEN: token,
    TURBO_TEAM: team,
    TURBO_REMOTE_CACHE_SIGNATURE_KEY: key,
    ...extra,
  });
  const turbo = (dir: string, args: string[], env: NodeJS.ProcessEnv) => {
    const e: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick', TURBO_TELEMETRY_DISABLED: '1', ...env };
    for (const k of ['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR', 'HW1_SITE_OUT']) delete e[k];
    const r = spawnSync(join(root, 'node_modules/.bin/turbo'), [...args, '--output-logs=full', '--summarize'], { cwd: dir, encoding: 'utf8', env: e });
    return { status: r.status, out: r.stdout + r.stderr, summary: latestSummary(dir)! };
  };
  const data = (dir: string, stage: string) => JSON.stringify(JSON.parse(readFileSync(join(dir, 'cache/artifacts', stage, 'artifact.json'), 'utf8')).data);
  /** Where each stage's result came from, by stage name; with `site`, the site's tasks' by task name. */
  const sources = (summary: { tasks: TaskSummary[] }, site = false) =>
    Object.fromEntries(
      summary.tasks.flatMap((t) => {
        const name = site ? /^@hw1\/site#(.+)$/.exec(t.taskId)?.[1] : stageOfTask(t.taskId);
        return name ? [[name, t.cache.source ?? t.cache.status]] : [];
      }),
    );

  let runners: string[];
  beforeAll(async () => {
    storage = tempDir();
    port = await freePort();
    server = await startServer(storage, port);
    runners = [await machine(), await machine()];
  }, 300_000);

  afterAll(async () => {
    await stopServer(server);
  });

  it('lets two runners compute half the stages each, and a third machine build the report with all of them replayed, byte for byte', async () => {
    const halves = [stages.filter((_, i) => i % 2 === 0), stages.filter((_, i) => i % 2 === 1)];
    for (const [i, half] of halves.entries()) {
      const r = turbo(runners[i]!, ['run', ...half.map((s) => `stage:${s}`)], remote('t1'));
      expect(r.status, r.out).toBe(0);
      expect(Object.values(sources(r.summary))).toEqual(half.map(() => 'MISS'));
    }
    // The server holds one signed entry per stage: blob and tag, named by turbo's hash.
    const entries = readdirSync(join(storage, 't1'));
    expect(entries.filter((e) => !e.endsWith('.tag'))).toHaveLength(stages.length);
    expect(entries.filter((e) => e.endsWith('.tag'))).toHaveLength(stages.length);

    const third = await machine();
    const plan = spawnSync(process.execPath, [join(third, 'pipeline/src/bin/plan.ts')], {
      cwd: third,
      encoding: 'utf8',
      env: { ...process.env, HW1_PROFILE: 'quick', ...remote('t1') },
    });
    expect(plan.status, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ profile: 'quick', remote: true, missing: [] });

    const r = turbo(third, ['run', 'report'], remote('t1'));
    expect(r.status, r.out).toBe(0);
    expect(sources(r.summary)).toEqual(Object.fromEntries(stages.map((s) => [s, 'REMOTE'])));
    for (const [i, half] of halves.entries()) for (const s of half) expect(data(third, s), s).toBe(data(runners[i]!, s));
    expect(readFileSync(join(third, 'site/dist/index.html'), 'utf8')).toContain('Deep learning report');

    // A fourth machine replays the site too.
    const fourth = await machine();
    const again = turbo(fourth, ['run', 'report'], remote('t1'));
    expect(again.status, again.out).toBe(0);
    expect(sources(again.summary, true)).toEqual({ report: 'REMOTE' });
  }, 900_000);

  it('recomputes an entry altered on the server, and says so', async () => {
    const stage = 'minimal-ratio';
    const before = await machine();
    const hash = JSON.parse(
      spawnSync(process.execPath, [join(before, 'pipeline/src/bin/plan.ts')], {
        cwd: before,
        encoding: 'utf8',
        env: { ...process.env, HW1_PROFILE: 'quick', ...remote('t1') },
      }).stdout,
    ).cached.find((c: { stage: string }) => c.stage === stage).hash as string;
    // One byte of the stored blob changed (its size kept).
    const blob = join(storage, 't1', hash);
    const bytes = readFileSync(blob);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(blob, bytes);

    const r = turbo(before, ['run', `stage:${stage}`], remote('t1'));
    expect(r.status, r.out).toBe(0);
    expect(sources(r.summary)).toEqual({ [stage]: 'MISS' });
    expect(r.out).toMatch(new RegExp(`holds this task's entry \\(${hash}\\) but turbo did not replay it: its signature does not verify`));
    expect(data(before, stage)).toBe(data(runners[stages.indexOf(stage) % 2]!, stage));
  }, 600_000);

  it('runs locally, naming the variable to check, when the server refuses the token', async () => {
    const dir = await machine();
    const r = turbo(dir, ['run', 'stage:optimization-process'], remote('t1', { TURBO_TOKEN: 'wrong' }));
    expect(r.status, r.out).toBe(0);
    expect(sources(r.summary)).toEqual({ 'optimization-process': 'MISS' });
    expect(r.out).toMatch(/refused TURBO_TOKEN \(HTTP 401\).*check TURBO_TOKEN/);
  }, 600_000);

  it('completes locally when the server stops mid-way', async () => {
    const dir = await machine();
    const e: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick', TURBO_TELEMETRY_DISABLED: '1', ...remote('t2') };
    const child = spawn(join(root, 'node_modules/.bin/turbo'), ['run', 'stage:minimal-ratio', 'stage:optimization-process', '--concurrency=1'], {
      cwd: dir,
      env: e,
    });
    let out = '';
    let stopped = false;
    const onData = (d: Buffer) => {
      out += d;
      // The first stage has been computed: the server goes away before the second is.
      if (!stopped && /done in .*wrote/.test(out)) {
        stopped = true;
        void stopServer(server);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stopped, out).toBe(true);
    expect(code, out).toBe(0);
    for (const s of ['minimal-ratio', 'optimization-process']) expect(data(dir, s)).toBe(data(runners[stages.indexOf(s) % 2]!, s));
  }, 600_000);
});

describe('the cache server', () => {
  it('keeps the token it made beside its storage, out of reach of its own API, and refuses a token file without one', async () => {
    const dir = join(tempDir(), 'remote');
    const port = await freePort();
    const child = await startServer(dir, port, null);
    try {
      const made = readFileSync(`${dir}.token`, 'utf8').trim();
      expect(made).toMatch(/^[0-9a-f]{48}$/);
      // Shown once, when made.
      expect(started.get(child)).toContain(`export TURBO_TOKEN=${made}`);
      const auth = { authorization: `Bearer ${made}` };
      const url = `http://127.0.0.1:${port}/v8/artifacts/.token?team=.`;
      // Whatever the server makes of these, the token stays where the API does not reach.
      await fetch(url, { method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: 'replaced' });
      const got = await fetch(url, { headers: auth });
      expect(await got.text()).not.toContain(made);
      expect(readFileSync(`${dir}.token`, 'utf8').trim()).toBe(made);
    } finally {
      await stopServer(child);
    }
    // Started again: where to read it, not the token itself, so it is not in every log.
    const again = await startServer(dir, port, null);
    await stopServer(again);
    expect(started.get(again)).not.toContain(readFileSync(`${dir}.token`, 'utf8').trim());
    expect(started.get(again)).toContain(`export TURBO_TOKEN=$(cat ${dir}.token)`);
    writeFileSync(`${dir}.token`, '');
    const empty = spawnSync(process.execPath, [join(root, 'pipeline/src/bin/cache-server.ts')], {
      encoding: 'utf8',
      env: { ...process.env, HW1_CACHE_DIR: dir, HW1_CACHE_PORT: String(port), TURBO_TOKEN: '' },
    });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/remote\.token does not hold a token \(expected 32 or more hex digits\); remove it to generate a new one, or set TURBO_TOKEN/);
  }, 120_000);

  it('explains its settings, and refuses bad ones with exit code 2 and one line naming the variable', async () => {
    const help = spawnSync(process.execPath, [join(root, 'pipeline/src/bin/cache-server.ts'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/HW1_CACHE_PORT +port +\(default 4391\)/);
    const plan = spawnSync(process.execPath, [join(root, 'pipeline/src/bin/plan.ts'), '--bogus'], { encoding: 'utf8' });
    expect(plan.status).toBe(2);
    expect(plan.stderr).toMatch(/unknown option --bogus; see --help/);
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'mine');
    const readOnly = tmpfs(64, true);
    const port = await freePort();
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ HW1_CACHE_PORT: 'abc' }, /HW1_CACHE_PORT=abc: expected a port number/],
      [{ STORAGE_PROVIDER: 'floppy' }, /STORAGE_PROVIDER=floppy: expected one of local, s3/],
      [{ HW1_CACHE_HOST: 'no-such-host.invalid' }, /HW1_CACHE_HOST=no-such-host\.invalid is not an address of this machine/],
      [{ HW1_CACHE_HOST: '192.0.2.1' }, /HW1_CACHE_HOST=192\.0\.2\.1 is not an address of this machine/],
      [{ HW1_CACHE_DIR: file }, /HW1_CACHE_DIR=.*a-file cannot hold files: a file is in the way/],
      [{ HW1_CACHE_DIR: join(file, 'below') }, /HW1_CACHE_DIR=.*a-file\/below cannot hold files: a file is in the way/],
      ...(readOnly === null
        ? []
        : ([[{ HW1_CACHE_DIR: join(readOnly, 'remote') }, /HW1_CACHE_DIR=.*remote cannot hold files: .* is on a read-only file system \(EROFS\)/]] as [
            NodeJS.ProcessEnv,
            RegExp,
          ][])),
      [{ READ_ONLY: 'perhaps' }, /the cache server's settings are invalid: .*READ_ONLY must be boolean/],
    ];
    for (const [env, message] of cases) {
      const r = spawnSync(process.execPath, [join(root, 'pipeline/src/bin/cache-server.ts')], {
        encoding: 'utf8',
        env: { ...process.env, HW1_CACHE_DIR: join(tempDir(), 'remote'), HW1_CACHE_PORT: String(port), TURBO_TOKEN: token, ...env },
        timeout: 60_000,
      });
      expect(r.status, `${JSON.stringify(env)}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    // A port another process holds.
    const holder = await startServer(join(tempDir(), 'remote'), port);
    try {
      const busy = spawnSync(process.execPath, [join(root, 'pipeline/src/bin/cache-server.ts')], {
        encoding: 'utf8',
        env: { ...process.env, HW1_CACHE_DIR: join(tempDir(), 'remote'), HW1_CACHE_PORT: String(port), TURBO_TOKEN: token },
        timeout: 60_000,
      });
      expect(busy.status).toBe(2);
      expect(busy.stderr).toMatch(new RegExp(`port ${port} is in use \\(HW1_CACHE_PORT\\)`));
    } finally {
      await stopServer(holder);
    }
  }, 300_000);

  it('refuses ids and teams that are not plain names, and empty uploads, with 400, and stores nothing for them', async () => {
    const dir = join(tempDir(), 'remote');
    const port = await freePort();
    const child = await startServer(dir, port);
    try {
      const auth = { authorization: `Bearer ${token}` };
      // node:http sends the path as written (fetch would resolve '%2e%2e' before sending).
      const send = (method: string, path: string, body?: string): Promise<{ status: number; text: string }> =>
        new Promise((resolve, reject) => {
          const req = request(
            {
              host: '127.0.0.1',
              port,
              method,
              path: `/v8/artifacts/${path}`,
              headers: { ...auth, 'content-type': 'application/octet-stream', 'x-artifact-tag': 'sig' },
            },
            (res) => {
              let text = '';
              res.on('data', (d) => {
                text += d;
              });
              res.on('end', () => resolve({ status: res.statusCode!, text }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const put = (path: string, body: string) => send('PUT', path, body);
      const get = (path: string) => send('GET', path);
      for (const path of ['.token?team=t', 'abc?team=.', 'abc?team=..', '%2e%2e?team=t', 'a%00b?team=t', 'abc?team=a%2fb', 'abc.tag?team=t', 'abc?team=%00']) {
        const p = await put(path, 'data');
        expect(p.status, `PUT ${path}`).toBe(400);
        expect(p.text).not.toContain(dir);
        expect((await get(path)).status, `GET ${path}`).toBe(400);
      }
      expect((await put('abc?team=t', '')).status).toBe(400);
      // Only what is in the storage's own folders: nothing was written for any of them.
      expect(readdirSync(dir)).toEqual([]);
      // A plain one is stored and read back whole.
      expect((await put('0123abcd?team=t', 'data')).status).toBe(200);
      expect((await get('0123abcd?team=t')).text).toBe('data');
    } finally {
      await stopServer(child);
    }
  }, 120_000);

  // Skipped (and counted as skipped) where no tmpfs can be mounted.
  const full = tmpfs(256);
  it.skipIf(full === null)(
    'answers 507 to an upload that does not fit, leaves no partial file, and keeps serving (a 256 KB tmpfs)',
    async () => {
      const dir = join(full!, 'remote');
      const port = await freePort();
      const child = await startServer(dir, port);
      try {
        const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' };
        const url = (id: string) => `http://127.0.0.1:${port}/v8/artifacts/${id}?team=t`;
        const big = await fetch(url('aaaa'), { method: 'PUT', headers: { ...auth, 'x-artifact-tag': 'sig' }, body: Buffer.alloc(300_000, 7) });
        expect(big.status).toBe(507);
        expect(await big.text()).not.toContain(dir);
        expect(readdirSync(join(dir, 't'))).toEqual([]);
        expect((await fetch(url('aaaa'), { headers: auth })).status).toBe(404);
        expect(child.exitCode).toBe(null);
        const small = await fetch(url('bbbb'), { method: 'PUT', headers: { ...auth, 'x-artifact-tag': 'sig' }, body: Buffer.alloc(1000, 3) });
        expect(small.status).toBe(200);
        const back = await fetch(url('bbbb'), { headers: auth });
        expect(back.headers.get('x-artifact-tag')).toBe('sig');
        expect(Buffer.from(await back.arrayBuffer()).equals(Buffer.alloc(1000, 3))).toBe(true);
        expect(readdirSync(join(dir, 't')).sort()).toEqual(['bbbb', 'bbbb.tag']);
      } finally {
        await stopServer(child);
      }
    },
    120_000,
  );
});
