/**
 * Locks between processes of one checkout: a file under cache/locks/ holding
 * the owner's pid, created whole (written aside, then hard-linked into place). A lock whose process is gone (killed,
 * crashed) is taken over; one whose process runs is either refused with a
 * message naming it, or waited for.
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Whether a process with this pid runs (possibly under another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the lock file: its pid (NaN if the content is not one) and since when; null if there is no file. */
function owner(file: string): { pid: number; since: Date; text: string } | null {
  try {
    const text = readFileSync(file, 'utf8');
    return { pid: /^[1-9]\d*$/.test(text) ? Number(text) : Number.NaN, since: statSync(file).mtime, text };
  } catch {
    return null;
  }
}

/**
 * Writes a new file at `path`, never through what is already there: a link
 * planted at the name (in a shared folder) is removed, not followed, so the
 * write cannot land in someone else's file.
 */
function writePrivate(path: string, text: string): void {
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return;
  }
}

/**
 * Takes the lock now, or returns who holds it. The pid is written to a private
 * file first and hard-linked to the lock's name, which fails if the name
 * exists: a lock file is never seen empty or half-written, so a reader never
 * mistakes a lock being taken for an abandoned one.
 */
function tryLock(file: string): { pid: number; since: Date } | null {
  mkdirSync(dirname(file), { recursive: true });
  const mine = `${file}.${process.pid}.tmp`;
  writePrivate(mine, String(process.pid));
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(mine, file);
        return null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      if (attempt >= 20) throw new Error(`cannot take the lock ${file}: it cannot be read or keeps being replaced; remove it if nothing is running`);
      const held = owner(file);
      if (!held) continue; // released this instant: try again
      if (held.pid === process.pid) return null;
      if (Number.isInteger(held.pid) && alive(held.pid)) return held;
      takeOver(file, held.text);
    }
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Removes an abandoned lock (its holder is gone, or it holds no pid). The file
 * is first renamed to a private name, which only one process can do; if what
 * was moved is no longer the abandoned lock (someone took the lock in
 * between), it is put back.
 */
function takeOver(file: string, seen: string): void {
  const moved = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, moved);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (owner(moved)?.text !== seen) {
    try {
      linkSync(moved, file);
    } catch {
      // A third process took the name meanwhile: the lock is held either way.
    }
  }
  rmSync(moved, { force: true });
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

/** Takes the lock now if no live process holds it; null if one does. */
export function tryAcquireLock(file: string): Lock | null {
  return tryLock(file) ? null : held(file);
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
