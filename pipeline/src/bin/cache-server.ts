/**
 * npm run cache-server: a turbo remote cache for a team, from npm
 * (`turborepo-remote-cache`, a maintained server), on 127.0.0.1 with
 * local-disk storage by default. It prints the three variables a client sets
 * (turbo's own: TURBO_API, TURBO_TOKEN, TURBO_TEAM), and the signature key
 * every client must share. Ctrl-C stops it.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { InputError, runMain, unknownArgument } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';

const usage = `npm run cache-server [-- --help]

Starts a turbo remote cache (the npm package turborepo-remote-cache) with
local-disk storage. Settings, from the environment:

  HW1_CACHE_HOST   address to listen on           (default 127.0.0.1; 0.0.0.0 to serve a network)
  HW1_CACHE_PORT   port                           (default 4391)
  HW1_CACHE_DIR    where the blobs are stored     (default cache/remote, from the project root)
  TURBO_TOKEN      the token clients must present (default: one generated once and kept in
                   <HW1_CACHE_DIR>.token, beside the storage, never inside it)

Every other variable of turborepo-remote-cache passes through: STORAGE_PROVIDER=s3
with S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION, S3_ENDPOINT and STORAGE_PATH (the
bucket), or STORAGE_PROVIDER=google-cloud-storage with GCS_PROJECT_ID,
GCS_CLIENT_EMAIL, GCS_PRIVATE_KEY and STORAGE_PATH; see the README.`;

/**
 * The token clients present: TURBO_TOKEN, or one generated once and kept in
 * `<HW1_CACHE_DIR>.token`, beside the storage folder and never inside it: the
 * server serves and overwrites anything under its storage, and a token there
 * could be read back through its own API. One left inside by an older version
 * is moved out.
 */
function tokenFile(dir: string): string {
  return `${dir}.token`;
}

function token(dir: string): string {
  if (process.env.TURBO_TOKEN) return process.env.TURBO_TOKEN;
  const file = tokenFile(dir);
  const inside = join(dir, '.token');
  if (existsSync(inside)) {
    if (existsSync(file)) rmSync(inside);
    else renameSync(inside, file);
  }
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{32,}$/.test(text)) {
      throw new InputError(`${file} does not hold a token (expected 32 or more hex digits); remove it to generate a new one, or set TURBO_TOKEN`);
    }
    return text;
  }
  const made = randomBytes(24).toString('hex');
  writeFileSync(file, `${made}\n`, { mode: 0o600, flag: 'wx' });
  return made;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage);
    return 0;
  }
  if (argv.length) throw unknownArgument(argv[0]!);
  const host = process.env.HW1_CACHE_HOST || '127.0.0.1';
  const port = Number(process.env.HW1_CACHE_PORT || 4391);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InputError(`HW1_CACHE_PORT=${process.env.HW1_CACHE_PORT}: expected a port number`);
  const provider = process.env.STORAGE_PROVIDER || 'local';
  const dir = resolve(projectRoot, process.env.HW1_CACHE_DIR || join('cache', 'remote'));
  mkdirSync(dir, { recursive: true });
  const secret = token(dir);
  const cli = join(dirname(createRequire(import.meta.url).resolve('turborepo-remote-cache/package.json')), 'dist', 'cli.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: host,
    PORT: String(port),
    TURBO_TOKEN: secret,
    STORAGE_PROVIDER: provider,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ENABLE_STATUS_LOG: 'false',
    NODE_ENV: 'production',
    // The server only stores and serves each entry's signature (x-artifact-tag) when this is set; it checks
    // nothing with it (clients verify), so any value does, and without it no signed entry would ever replay.
    TURBO_REMOTE_CACHE_SIGNATURE_KEY: process.env.TURBO_REMOTE_CACHE_SIGNATURE_KEY || 'store-signatures',
  };
  if (provider === 'local') {
    env.STORAGE_PATH = dir;
    env.STORAGE_PATH_USE_TMP_FOLDER = 'false';
  }
  const child = spawn(process.execPath, [cli], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  // Ready when the status route answers (bounded: a server that never comes up is reported, not waited for).
  for (let i = 0; ; i++) {
    if (child.exitCode !== null)
      throw new InputError(`the cache server stopped at start (exit code ${child.exitCode}); is port ${port} in use? (HW1_CACHE_PORT)`);
    try {
      const r = await fetch(`${url}/v8/artifacts/status`, { headers: { authorization: `Bearer ${secret}` } });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (i >= 150) {
      child.kill();
      throw new InputError(`the cache server did not answer on ${url} within 30 s; is HW1_CACHE_HOST an address of this machine?`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(
    [
      `turbo remote cache on ${url} (storage: ${provider === 'local' ? dir : `${provider} ${process.env.STORAGE_PATH ?? ''}`})`,
      '',
      'On each client (a teammate, CI, a GPU machine), before `npx turbo run report`:',
      `  export TURBO_API=${url}`,
      `  export TURBO_TOKEN=${secret}`,
      '  export TURBO_TEAM=hw1',
      '  export TURBO_REMOTE_CACHE_SIGNATURE_KEY=<one secret shared by every client>',
      '',
      'Ctrl-C stops the server; the blobs stay.',
    ].join('\n'),
  );
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return await new Promise<number>((done) => child.on('exit', (code, signal) => done(signal ? 0 : (code ?? 1))));
}

if (import.meta.main) runMain(() => main(process.argv.slice(2)));
