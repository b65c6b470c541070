/**
 * Locks between processes of one checkout: a file under cache/locks/ holding
 * the owner's pid, made with O_EXCL. A lock whose process is gone (killed,
 * crashed) is taken over; one whose process runs is either refused with a
 * message naming it, or waited for.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './errors.ts';
import { sha256 } from './hash.ts';
import { projectRoot } from './paths.ts';

/** Another live process holds the lock. */
export class LockedError extends InputError {}

export const locksDir = (): string => join(projectRoot, 'cache', 'locks');

/** The lock file for a resource: readable name, plus a hash of what it guards (e.g. an output directory). */
export function lockFile(name: string, resource = ''): string {
  return join(locksDir(), `${name}${resource ? `-${sha256(resource).slice(0, 12)}` : ''}.lock`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function owner(file: string): { pid: number; since: Date } | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, since: statSync(file).mtime } : null;
  } catch {
    return null;
  }
}

/** Takes the lock now, or returns who holds it. */
function tryLock(file: string): { pid: number; since: Date } | null {
  mkdirSync(locksDir(), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const held = owner(file);
    if (held && held.pid !== process.pid && alive(held.pid)) return held;
    // The holder is gone (or the file is being written this instant): take it over.
    rmSync(file, { force: true });
  }
  return owner(file);
}

export interface Lock {
  release(): void;
}

function held(file: string): Lock {
  const release = (): void => {
    if (owner(file)?.pid === process.pid) rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return { release };
}

/** Takes the lock or throws LockedError with `what` and the holder's pid. */
export function acquireLock(file: string, what: string): Lock {
  const holder = tryLock(file);
  if (holder) {
    throw new LockedError(
      `${what} is already running in this checkout (pid ${holder.pid}, since ${holder.since.toISOString().slice(11, 19)} UTC): wait for it to finish, or stop it (lock ${file})`,
    );
  }
  return held(file);
}

/** Takes the lock, waiting while another live process holds it (saying so every `every` ms), at most `timeout` ms. */
export async function waitForLock(file: string, what: string, log: (line: string) => void, options: { timeout?: number; every?: number } = {}): Promise<Lock> {
  const timeout = options.timeout ?? 15 * 60_000;
  const every = options.every ?? 30_000;
  const t0 = Date.now();
  let said = -Infinity;
  for (;;) {
    const holder = tryLock(file);
    if (!holder) return held(file);
    if (Date.now() - t0 > timeout) {
      throw new LockedError(
        `${what} is still running in this checkout after ${Math.round(timeout / 1000)} s of waiting (pid ${holder.pid}); stop it, or try again later (lock ${file})`,
      );
    }
    if (Date.now() - said >= every) {
      log(`waiting: ${what} is running in this checkout (pid ${holder.pid})`);
      said = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
