/**
 * A static file server for a built site, on a free port of 127.0.0.1: what
 * the PDF, the browser tests and the publishing rehearsal open. With a
 * prefix it serves the site under that sub-path only, as GitHub Pages serves
 * a project's site at /<repo>/, and like Pages it redirects a directory
 * named without its trailing slash.
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.pdf': 'application/pdf',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The file a request path names inside `root` (a real path), or why not:
 * 400 for a path that is not valid percent-encoding or holds a NUL, 404 for
 * one that is missing or leads out of the root (also through a symlink).
 */
export function resolveRequest(
  root: string,
  url: string,
  prefix = '',
): { file: string; size: number } | { status: 400 | 404; reason: string } | { status: 301; location: string } {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return { status: 400, reason: 'malformed percent-encoding' };
  }
  if (path.includes('\0')) return { status: 400, reason: 'NUL in the path' };
  if (prefix) {
    if (path === prefix) return { status: 301, location: `${prefix}/` };
    if (!path.startsWith(`${prefix}/`)) return { status: 404, reason: `outside ${prefix}/` };
    path = path.slice(prefix.length);
  }
  const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
  const inside = (p: string) => p === root || p.startsWith(root + sep);
  if (!inside(file)) return { status: 404, reason: 'outside the site' };
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return { status: 404, reason: 'not found' };
  }
  if (!inside(real)) return { status: 404, reason: 'outside the site' };
  const stat = statSync(real, { throwIfNoEntry: false });
  if (stat?.isDirectory() && !path.endsWith('/')) return { status: 301, location: `${prefix}${path}/` };
  if (!stat?.isFile()) return { status: 404, reason: 'not found' };
  return { file: real, size: stat.size };
}

/**
 * Sends a file found a moment ago. It may be gone or unreadable by the time it
 * is opened (a rebuild swapping the site in): then the answer is 404, or, once
 * headers are out, a cut connection; the server keeps serving either way (an
 * unhandled stream error used to end it).
 */
export function sendFile(res: ServerResponse, file: string, size: number): void {
  const stream = createReadStream(file);
  stream.once('open', () => {
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'content-length': size });
    stream.pipe(res);
  });
  stream.once('error', () => {
    if (res.headersSent) res.destroy();
    else res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the file went away while it was being sent\n');
  });
}

/** Serves `dir` (under `prefix`, e.g. "/hw1-report", if given) on 127.0.0.1 (`port`, or a free one). */
export async function serveDirectory(dir: string, options: { prefix?: string; port?: number } = {}): Promise<StaticServer> {
  const root = realpathSync(dir);
  const prefix = (options.prefix ?? '').replace(/\/+$/, '');
  if (prefix && !/^(\/[\w.-]+)+$/.test(prefix)) throw new Error(`a sub-path like /hw1-report, got ${JSON.stringify(prefix)}`);
  const server: Server = createServer((req, res) => {
    const found = resolveRequest(root, req.url ?? '/', prefix);
    if ('location' in found) {
      res.writeHead(301, { location: found.location, 'content-type': 'text/plain; charset=utf-8' }).end(`moved: ${found.location}\n`);
      return;
    }
    if ('status' in found) {
      res
        .writeHead(found.status, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`${found.status === 400 ? 'bad request' : 'not found'}: ${found.reason}\n`);
      return;
    }
    sendFile(res, found.file, found.size);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
