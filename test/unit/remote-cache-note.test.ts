/**
 * What a stage says when turbo did not replay what the remote cache holds:
 * asked of a server on 127.0.0.1 that answers as the remote cache would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteCacheNote } from '../../pipeline/src/runtime/remote-cache.ts';

describe('remoteCacheNote', () => {
  let server: Server;
  let api: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      const status = req.headers.authorization !== 'Bearer good' ? 401 : req.url?.startsWith('/v8/artifacts/aaaa') ? 200 : 404;
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const env = (extra: NodeJS.ProcessEnv) => ({ TURBO_API: api, TURBO_TOKEN: 'good', TURBO_TEAM: 'hw1', TURBO_HASH: 'aaaa', ...extra });

  it('says the signature did not verify when the server holds the entry turbo did not replay', async () => {
    expect(await remoteCacheNote(env({ TURBO_REMOTE_CACHE_SIGNATURE_KEY: 'k' }))).toMatch(
      /holds this task's entry \(aaaa\) but turbo did not replay it: its signature does not verify/,
    );
    expect(seen.at(-1)).toBe('HEAD /v8/artifacts/aaaa?slug=hw1 Bearer good');
  });

  it('names the signature key when it is not set, and the token when it is refused', async () => {
    expect(await remoteCacheNote(env({}))).toMatch(/TURBO_REMOTE_CACHE_SIGNATURE_KEY is not set here/);
    expect(await remoteCacheNote(env({ TURBO_TOKEN: 'bad' }))).toMatch(/refused TURBO_TOKEN \(HTTP 401\).*check TURBO_TOKEN/);
  });

  it('says nothing for an ordinary miss, an unreachable server, or no remote cache', async () => {
    expect(await remoteCacheNote(env({ TURBO_HASH: 'bbbb' }))).toBeNull();
    expect(await remoteCacheNote(env({ TURBO_API: 'http://127.0.0.1:9' }))).toBeNull();
    expect(await remoteCacheNote({ TURBO_HASH: 'aaaa' })).toBeNull();
    expect(await remoteCacheNote(env({ TURBO_HASH: '../x' }))).toBeNull();
  });
});
