/**
 * Locks between processes of one checkout: a file under cache/locks/ holding
 * the owner's pid and when that process started, created whole (written
 * aside, then hard-linked into place). A lock whose process is gone (killed,
 * crashed, or its pid now another process's) is taken over; one whose process
 * runs is either refused with a message naming it, or waited for.
 */
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from './errors.ts';
import { sha256 } from './hash.ts';
import { projectRoot } from './paths.ts';

/** Another live process holds the lock. */
export class LockedError extends InputError {}

/** Something that is not a lock file (a directory, a link, a device) sits at a lock's name: left alone, and named. */
export class BadLockError extends InputError {}

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

/**
 * When a process started, as the kernel counts it (Linux: field 22 of
 * /proc/<pid>/stat, clock ticks since boot): with the pid, it names one
 * process, never a later one that reuses the pid. Null where there is no
 * /proc (macOS), or no such process.
 */
export function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: fields are counted after its closing one (field 3 on).
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    return start && /^\d+$/.test(start) ? start : null;
  } catch {
    return null;
  }
}

/** This process's start time, or "-" where the system gives none. */
export const myStart = (): string => startTime(process.pid) ?? '-';

/** What a lock file holds: "<pid> <start time>". */
const content = (): string => `${process.pid} ${myStart()}\n`;

interface Holder {
  pid: number;
  since: Date;
  text: string;
  /** Whether that process still runs: the pid is alive and, where start times are known, started when the lock says. */
  live: boolean;
}

/**
 * Who holds the lock file: its pid (NaN if the content is not a lock's) and
 * since when; null if there is no file. A lock without a start time, where
 * the system has them, was not written by this code (or by a version that
 * could not tell a reused pid): it is not held.
 */
function owner(file: string): Holder | null {
  let text: string;
  let since: Date;
  try {
    const st = lstatSync(file);
    if (!st.isFile()) {
      const what = st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
      throw new BadLockError(`${file} is ${what}, not a lock file; remove it if nothing is running`);
    }
    since = st.mtime;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const m = /^([1-9]\d*)(?:[ \t]+(\d+|-))?\s*$/.exec(text);
  if (!m) return { pid: Number.NaN, since, text, live: false };
  const pid = Number(m[1]);
  return { pid, since, text, live: running(pid, m[2]) };
}

/**
 * Whether the process that wrote `pid` and `start` (its startTime) still runs:
 * the pid is alive and, where the system tells start times, started then. A
 * record without a start time, where the system has them, names no process
 * this code can vouch for: not running.
 */
export function running(pid: number, start: string | undefined): boolean {
  if (!Number.isInteger(pid) || pid < 1 || !alive(pid)) return false;
  const now = startTime(pid);
  return now === null || now === start;
}

/** Who holds a lock now (pid, and whether it still runs), or null if nobody does. */
export function lockHolder(file: string): { pid: number; since: Date } | null {
  const h = owner(file);
  return h?.live ? { pid: h.pid, since: h.since } : null;
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
  writePrivate(mine, content());
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
      if (held.live && held.pid === process.pid) return null;
      if (held.live) return held;
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
  let now: string | undefined;
  try {
    now = readFileSync(moved, 'utf8');
  } catch {
    now = undefined;
  }
  if (now !== seen) {
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
  const text = content();
  const release = (): void => {
    let now: string | undefined;
    try {
      now = readFileSync(file, 'utf8');
    } catch {
      now = undefined;
    }
    if (now === text) rmSync(file, { force: true });
    process.off('exit', release);
  };
  process.on('exit', release);
  return { release };
}

/** Takes the lock now if no live process holds it; null if one does. */
export function tryAcquireLock(file: string): Lock | null {
  return tryLock(file) ? null : held(file);
}

/** Takes the lock or throws LockedError with `what`, `where` it runs ('' when `what` says it: a lock outside the checkout) and the holder's pid. */
export function acquireLock(file: string, what: string, where = 'in this checkout'): Lock {
  const holder = tryLock(file);
  if (holder) {
    throw new LockedError(
      `${what} is already running${where ? ` ${where}` : ''} (pid ${holder.pid}, since ${holder.since.toISOString().slice(11, 19)} UTC): wait for it to finish, or stop it (lock ${file})`,
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
      log(`waiting: ${what} is running in this checkout (pid ${holder.pid}, lock ${file})`);
      said = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
