/**
 * The static server behind `npm run pdf` and the browser tests (on a free
 * port of 127.0.0.1): it answers a malformed path with 400 and never serves
 * a file outside its root, also through a symlink.
 */

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticServer, sendFile, serveDirectory } from '../../site/scripts/static-server.ts';
import { tempDir } from '../helpers/helpers.ts';

/** A raw GET (no URL normalisation by the client), its status and body. */
function get(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static server', () => {
  let server: StaticServer;
  beforeAll(async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.txt'), 'not for the site');
    const site = tempDir();
    writeFileSync(join(site, 'index.html'), '<h1>report</h1>');
    mkdirSync(join(site, 'sub'));
    writeFileSync(join(site, 'sub', 'page.html'), 'page');
    symlinkSync(join(outside, 'secret.txt'), join(site, 'leak.txt'));
    symlinkSync(outside, join(site, 'elsewhere'));
    server = await serveDirectory(site);
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the site’s files', async () => {
    expect(await get(server.url, '/')).toEqual({ status: 200, body: '<h1>report</h1>' });
    expect((await get(server.url, '/sub/page.html')).body).toBe('page');
  });

  it('answers 400 to malformed percent-encoding and NUL, and keeps serving', async () => {
    for (const path of ['/%E0%A4%A', '/%', '/%00', '/sub/%00page.html']) expect((await get(server.url, path)).status, path).toBe(400);
    expect((await get(server.url, '/index.html')).status).toBe(200);
  });

  it('never leaves its root: dot segments, encoded ones, and symlinks out of it', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2F..%2Fsecret.txt', '/leak.txt', '/elsewhere/secret.txt']) {
      const r = await get(server.url, path);
      expect(r.status, path).toBe(404);
      expect(r.body).not.toContain('not for the site');
    }
  });
});

describe('a file that goes away while it is sent', () => {
  it('is answered 404, and the server keeps serving', async () => {
    const site = tempDir();
    writeFileSync(join(site, 'index.html'), 'still here');
    // What the server does after it found a file that is gone when opened (a rebuild swapping the site in).
    const server = createServer((req, res) => {
      if (req.url === '/gone') sendFile(res, join(site, 'gone.html'), 10);
      else sendFile(res, join(site, 'index.html'), 10);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const gone = await get(url, '/gone');
      expect(gone.status).toBe(404);
      expect(gone.body).toMatch(/went away while it was being sent/);
      expect(await get(url, '/')).toEqual({ status: 200, body: 'still here' });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
