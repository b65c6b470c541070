/**
 * One file over HTTP(S) into a `.part` file, the way a dataset download
 * should go: resumed with a Range request where a previous attempt stopped,
 * bounded in every wait (connecting, and silence in the middle of a
 * transfer), retried a few times with growing pauses when the failure may
 * pass (a cut connection, a timeout, a 5xx), never when it will not (a 404),
 * following a few redirects, and reporting progress as it goes. The caller
 * verifies the bytes; nothing here trusts them.
 */
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { InputError } from '../core/errors.ts';

/** A download that did not complete: the URL, and what went wrong (an HTTP status, a timeout, a refused connection). */
export class DownloadError extends InputError {
  readonly url: string;
  /** The HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** Whether trying again may help. */
  readonly transient: boolean;
  constructor(url: string, problem: string, options: { status?: number; transient: boolean }) {
    super(`${url}: ${problem}`);
    this.url = url;
    this.status = options.status;
    this.transient = options.transient;
  }
}

export interface DownloadOptions {
  /** Longest wait for a connection, ms. */
  connectTimeout?: number;
  /** Longest silence while receiving, ms. */
  idleTimeout?: number;
  /** Attempts after the first, for failures that may pass. */
  retries?: number;
  /** Pause before the first retry, ms; doubled each time. */
  backoff?: number;
  maxRedirects?: number;
  /** Told of the bytes held so far and the total (null while unknown). */
  progress?: (done: number, total: number | null) => void;
  /** Told of each retry, with why. */
  retrying?: (why: string, attempt: number, waitMs: number) => void;
}

const defaults = { connectTimeout: 15_000, idleTimeout: 30_000, retries: 4, backoff: 1000, maxRedirects: 5 };

const sizeOf = (file: string): number => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};

/** Why a request was stopped for silence, and the request of each response, so a stalled transfer is reported as such. */
const stalledBy = new WeakMap<object, DownloadError>();
const requestOf = new WeakMap<IncomingMessage, object>();

/** One request for the bytes from `offset` on; resolves with the response once its headers are in. */
function request(url: string, offset: number, options: Required<Pick<DownloadOptions, 'connectTimeout' | 'idleTimeout'>>): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new DownloadError(url, 'not a valid address', { transient: false }));
      return;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      reject(new DownloadError(url, `only http and https addresses are fetched, not ${parsed.protocol}`, { transient: false }));
      return;
    }
    const get = parsed.protocol === 'https:' ? httpsGet : httpGet;
    const req = get(parsed, { headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
    const connectTimer = setTimeout(
      () => req.destroy(new DownloadError(url, `no connection within ${options.connectTimeout / 1000} s`, { transient: true })),
      options.connectTimeout,
    );
    req.on('socket', (socket) => {
      socket.setTimeout(options.idleTimeout, () => {
        const stalled = new DownloadError(url, `nothing received for ${options.idleTimeout / 1000} s (the server stalled)`, { transient: true });
        // Once the response is flowing, its reader reports this rather than the abort that follows.
        stalledBy.set(req, stalled);
        req.destroy(stalled);
      });
    });
    req.on('response', (res) => {
      clearTimeout(connectTimer);
      requestOf.set(res, req);
      resolve(res);
    });
    req.on('error', (err) => {
      clearTimeout(connectTimer);
      if (err instanceof DownloadError) reject(err);
      else {
        const code = (err as NodeJS.ErrnoException).code;
        reject(new DownloadError(url, `could not be reached (${code ?? err.message})`, { transient: true }));
      }
    });
  });
}

/** Receives `res` into `part` (appending when `append`), stopping with a DownloadError on silence or a cut connection. */
function receive(url: string, res: IncomingMessage, part: string, append: boolean, total: number | null, progress: DownloadOptions['progress']): Promise<void> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(part, append ? 'a' : 'w', 0o644);
    } catch (err) {
      res.destroy();
      reject(err);
      return;
    }
    let done = append ? sizeOf(part) : 0;
    let failed = false;
    const fail = (reported: unknown) => {
      if (failed) return;
      failed = true;
      const req = requestOf.get(res);
      const err = (req && stalledBy.get(req)) ?? reported;
      res.destroy();
      try {
        closeSync(fd);
      } catch {
        // closed already
      }
      reject(err);
    };
    res.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      } catch (err) {
        fail(err);
        return;
      }
      done += chunk.length;
      progress?.(done, total);
    });
    res.on('error', (err) => fail(err instanceof DownloadError ? err : new DownloadError(url, `the connection broke (${err.message})`, { transient: true })));
    res.on('aborted', () => fail(new DownloadError(url, 'the connection was cut mid-way', { transient: true })));
    res.on('end', () => {
      if (failed) return;
      closeSync(fd);
      if (total !== null && done < total) fail(new DownloadError(url, `the connection ended after ${done} of ${total} bytes`, { transient: true }));
      else resolve();
    });
  });
}

/** One attempt: follows redirects, resumes from what `part` holds. */
async function attempt(url: string, part: string, o: typeof defaults & DownloadOptions): Promise<void> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const offset = sizeOf(part);
    const res = await request(current, offset, o);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= o.maxRedirects) throw new DownloadError(url, `more than ${o.maxRedirects} redirects`, { transient: false });
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (status === 416 && offset > 0) {
      // The part is complete (or longer than the file): start again from nothing; the hash decides.
      res.resume();
      rmSync(part, { force: true });
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      const transient = status >= 500 || status === 408 || status === 429;
      throw new DownloadError(current, `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, { status, transient });
    }
    const length = Number(res.headers['content-length']);
    const known = Number.isFinite(length) && res.headers['content-length'] !== undefined;
    if (status === 206) {
      const range = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
      if (!range || Number(range[1]) !== offset) {
        // A range we did not ask for: take the whole file again.
        res.resume();
        rmSync(part, { force: true });
        continue;
      }
      const total = range[2] === '*' ? (known ? offset + length : null) : Number(range[2]);
      await receive(current, res, part, true, total, o.progress);
    } else {
      await receive(current, res, part, false, known ? length : null, o.progress);
    }
    return;
  }
}

/**
 * Downloads `url` into `part`, resuming from what it holds. Failures that may
 * pass are retried `retries` times with pauses of `backoff`, 2×, 4× … ms;
 * the last error, or one that will not pass, is thrown as a DownloadError. A
 * full disk is thrown as the file system's error, and the part removed.
 */
export async function download(url: string, part: string, options: DownloadOptions = {}): Promise<void> {
  const o = { ...defaults, ...options };
  for (let n = 0; ; n++) {
    try {
      await attempt(url, part, o);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        rmSync(part, { force: true });
        throw err;
      }
      if (!(err instanceof DownloadError) || !err.transient || n >= o.retries) throw err;
      const wait = o.backoff * 2 ** n;
      o.retrying?.(err.message, n + 1, wait);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
