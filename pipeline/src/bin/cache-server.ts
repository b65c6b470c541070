/**
 * npm run cache-server: a turbo remote cache for a team, from npm
 * (`turborepo-remote-cache`, a maintained Fastify server), run in this
 * process on 127.0.0.1 with local-disk storage by default. It prints the
 * variables a client sets (turbo's own: TURBO_API, TURBO_TOKEN, TURBO_TEAM),
 * and the signature key every client must share. Ctrl-C stops it.
 *
 * Around the package's routes, three guards of its own (docs/reliability.md):
 * an artifact id or team is a plain name (no dot first, no separator, no NUL),
 * so nothing outside the entries, or beside them, is reached through the API;
 * an upload to local storage is written to temporary files and renamed into
 * place, so a full disk answers 507 and leaves nothing half-written, and the
 * server keeps serving; and a 5xx body says what failed without the storage's
 * paths, which go to the log.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { App } from 'turborepo-remote-cache';
import { checkWritableDir, StorageError } from '../core/artifact.ts';
import { parseCommandLine } from '../core/cli.ts';
import { InputError, runMain } from '../core/errors.ts';
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

/** turborepo-remote-cache's storage providers (its env.js). */
const PROVIDERS = ['local', 's3', 'S3', 'minio', 'google-cloud-storage', 'azure-blob-storage'];

/** An artifact id or a team, as turbo sends them (hex hashes, slugs): letters, digits, '_' and '-' only. */
const NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Where the generated token lives: beside the storage folder, never inside it, where the API could serve or replace it. */
const tokenFile = (dir: string): string => `${dir}.token`;

/** The token clients present, and where it came from: only one generated now is printed. */
function token(dir: string): { secret: string; source: 'env' | 'file' | 'made' } {
  if (process.env.TURBO_TOKEN) return { secret: process.env.TURBO_TOKEN, source: 'env' };
  const file = tokenFile(dir);
  const inside = join(dir, '.token');
  // One left inside by an older version is moved out.
  if (existsSync(inside)) {
    if (existsSync(file)) rmSync(inside);
    else renameSync(inside, file);
  }
  if (existsSync(file)) {
    const text = readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{32,}$/.test(text)) {
      throw new InputError(`${file} does not hold a token (expected 32 or more hex digits); remove it to generate a new one, or set TURBO_TOKEN`);
    }
    return { secret: text, source: 'file' };
  }
  const made = randomBytes(24).toString('hex');
  writeFileSync(file, `${made}\n`, { mode: 0o600, flag: 'wx' });
  return { secret: made, source: 'made' };
}

/** The storage folder, made if absent; an unusable one is an input error naming HW1_CACHE_DIR. */
function storageDir(): string {
  const dir = resolve(projectRoot, process.env.HW1_CACHE_DIR || join('cache', 'remote'));
  try {
    checkWritableDir(dir);
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const reason = err instanceof StorageError ? err.message : `${dir}: ${(err as Error).message}`;
    throw new InputError(`HW1_CACHE_DIR=${reason}`);
  }
  return dir;
}

const teamOf = (query: unknown): string | undefined => {
  const q = (query ?? {}) as Record<string, unknown>;
  const t = q.teamId ?? q.team ?? q.slug;
  return typeof t === 'string' ? t : undefined;
};

/** The guards above, as Fastify hooks on the package's app (added before it loads its routes, so they inherit them). */
function guard(app: App, dir: string | null, readOnly: boolean): void {
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    const m = /^\/v8\/artifacts\/([^/]+)$/.exec(path);
    if (!m || m[1] === 'status' || m[1] === 'events') return;
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return reply.code(400).send({ message: 'the artifact id is not valid URL encoding' });
    }
    const team = teamOf(Object.fromEntries(new URL(req.url, 'http://x').searchParams));
    if (!NAME.test(id)) return reply.code(400).send({ message: 'an artifact id is letters, digits, _ and - only' });
    if (team !== undefined && !NAME.test(team)) return reply.code(400).send({ message: 'a team is letters, digits, _ and - only' });
  });
  if (dir !== null && !readOnly) {
    // Local storage: the upload is written beside its place and renamed in, blob first, then its signature
    // (a reader asks for the signature first, so one it finds always has its whole blob).
    app.addHook('preHandler', async (req, reply) => {
      if (req.method !== 'PUT' || !/^\/v8\/artifacts\/[^/?]+/.test(req.url)) return;
      const id = (req.params as { id: string }).id;
      const team = teamOf(req.query);
      if (!team) return reply.code(400).send({ message: "querystring should have required property 'team'" });
      const body = req.body;
      if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send({ message: 'an artifact must not be empty' });
      const tag = req.headers['x-artifact-tag'];
      const folder = join(dir, team);
      const nonce = `${process.pid}-${randomBytes(6).toString('hex')}`;
      const blobTmp = join(folder, `.${id}.${nonce}.part`);
      const tagTmp = join(folder, `.${id}.tag.${nonce}.part`);
      try {
        mkdirSync(folder, { recursive: true });
        await writeFile(blobTmp, body, { flag: 'wx' });
        if (typeof tag === 'string') await writeFile(tagTmp, tag, { flag: 'wx' });
        await rename(blobTmp, join(folder, id));
        if (typeof tag === 'string') await rename(tagTmp, join(folder, `${id}.tag`));
      } catch (err) {
        await Promise.all([rm(blobTmp, { force: true }), rm(tagTmp, { force: true })]);
        const code = (err as NodeJS.ErrnoException).code;
        req.log.error(err, `storing ${team}/${id} failed`);
        if (code === 'ENOSPC' || code === 'EDQUOT') return reply.code(507).send({ message: 'the cache storage is full; nothing was stored' });
        return reply.code(500).send({ message: `storing the artifact failed (${code ?? 'error'}); nothing was stored` });
      }
      return reply.send({ urls: [`${team}/${id}`] });
    });
  }
  // A server error says what failed, not where the storage is: the details, paths included, are in the log.
  app.addHook('onSend', async (_req, reply, payload) => {
    if (reply.statusCode < 500 || typeof payload !== 'string') return payload;
    try {
      const message = String((JSON.parse(payload) as { message?: unknown }).message ?? '');
      return JSON.stringify({ message: message.replace(/(\/[^\s'",:]+)+/g, '<storage>') });
    } catch {
      return JSON.stringify({ message: 'server error' });
    }
  });
}

async function main(argv: string[]): Promise<number> {
  if (!parseCommandLine(argv, {}, usage)) return 0;
  const host = process.env.HW1_CACHE_HOST || '127.0.0.1';
  const port = Number(process.env.HW1_CACHE_PORT || 4391);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InputError(`HW1_CACHE_PORT=${process.env.HW1_CACHE_PORT}: expected a port number`);
  const provider = process.env.STORAGE_PROVIDER || 'local';
  if (!PROVIDERS.includes(provider)) throw new InputError(`STORAGE_PROVIDER=${provider}: expected one of ${PROVIDERS.join(', ')}`);
  const dir = provider === 'local' ? storageDir() : null;
  const tokenBase = dir ?? resolve(projectRoot, process.env.HW1_CACHE_DIR || join('cache', 'remote'));
  const { secret, source } = token(tokenBase);
  // The package reads its settings from the environment when it is loaded.
  Object.assign(process.env, {
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
    ...(dir !== null ? { STORAGE_PATH: dir, STORAGE_PATH_USE_TMP_FOLDER: 'false' } : {}),
  });
  let createApp: typeof import('turborepo-remote-cache').createApp;
  try {
    ({ createApp } = await import('turborepo-remote-cache'));
  } catch (err) {
    // The package validates its environment on load: a bad STORAGE_PROVIDER, READ_ONLY or the like.
    throw new InputError(`the cache server's settings are invalid: ${(err as Error).message}`);
  }
  const app = createApp({ trustProxy: true });
  guard(app, dir, /^(true|1)$/i.test(process.env.READ_ONLY ?? ''));
  try {
    await app.ready();
  } catch (err) {
    throw new InputError(`the cache server could not start: ${(err as Error).message}`);
  }
  try {
    await app.listen({ host, port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    await app.close();
    if (code === 'EADDRINUSE') throw new InputError(`port ${port} is in use (HW1_CACHE_PORT)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
      throw new InputError(`HW1_CACHE_HOST=${host} is not an address of this machine (${code})`);
    if (code === 'EACCES') throw new InputError(`port ${port} needs privileges to listen on (HW1_CACHE_PORT)`);
    throw new InputError(`the cache server could not listen on ${host}:${port}: ${(err as Error).message}`);
  }
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  console.log(
    [
      `turbo remote cache on ${url} (storage: ${dir ?? `${provider} ${process.env.STORAGE_PATH ?? ''}`})`,
      '',
      'On each client (a teammate, CI, a GPU machine), before `npx turbo run report`:',
      `  export TURBO_API=${url}`,
      {
        made: `  export TURBO_TOKEN=${secret}   # made now and kept in ${tokenFile(tokenBase)}; shown this once`,
        file: `  export TURBO_TOKEN=$(cat ${tokenFile(tokenBase)})   # on this machine; teammates need the token in that file`,
        env: '  export TURBO_TOKEN=<the TURBO_TOKEN this server was started with>',
      }[source],
      '  export TURBO_TEAM=hw1',
      '  export TURBO_REMOTE_CACHE_SIGNATURE_KEY=<one secret shared by every client>',
      '',
      'Ctrl-C stops the server; the blobs stay.',
    ].join('\n'),
  );
  return await new Promise<number>((done) => {
    const stop = () => void app.close().then(() => done(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

if (import.meta.main) runMain(() => main(process.argv.slice(2)));
