/**
 * The machine's cores, shared by every stage that runs on it. turbo starts
 * every stage at once and each has a pool of worker threads; without a limit,
 * eight stages × two threads would share two cores, each stage crawling and
 * its ETA meaningless. A run takes a core slot before it trains and gives it
 * back after: one lock file per core in the system's temporary directory
 * (machine-wide, so stages of other checkouts, e.g. `npm run diff`, count too).
 * A slot whose process died is taken over (core/lock.ts).
 */
import { chmodSync, lstatSync, mkdirSync } from 'node:fs';
import { availableParallelism, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../core/errors.ts';
import { type Lock, tryAcquireLock } from '../core/lock.ts';

/** HW1_CORES, or the machine's core count: how many runs may train at once across all stages. */
export function coreCount(env: NodeJS.ProcessEnv = process.env): number {
  if (env.HW1_CORES === undefined || env.HW1_CORES === '') return availableParallelism();
  const n = Number(env.HW1_CORES);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`HW1_CORES="${env.HW1_CORES}" is not a positive integer`);
  return n;
}

export function coresDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HW1_CORES_DIR || join(tmpdir(), `hw1-report-cores-${userInfo().uid}`);
}

/**
 * The core-slot folder, made private (mode 0700) and checked to be a real
 * directory of this user: its default name in the shared temporary directory
 * is predictable, and a folder someone else made or a link planted there would
 * let them steer where the lock files go.
 */
export function privateCoresDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = coresDir(env);
  const named = env.HW1_CORES_DIR ? `HW1_CORES_DIR=${dir}` : `the core-slot folder ${dir}`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new InputError(`${named} cannot be used as a folder (${(err as NodeJS.ErrnoException).code}); set HW1_CORES_DIR to a directory of your own`);
  }
  const st = lstatSync(dir);
  if (st.isSymbolicLink() || !st.isDirectory())
    throw new InputError(`${named} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}; it must be a directory of your own`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid)
    throw new InputError(`${named} belongs to another user (uid ${st.uid}); set HW1_CORES_DIR to a directory of your own`);
  // The default folder, made before it was private, becomes so; a folder the user named is left as they set it.
  if (!env.HW1_CORES_DIR && (st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}

/** Slots this process holds (a lock file is per process, so a second slot must not reuse one of ours). */
const mine = new Set<number>();

export interface CoreSlot {
  slot: number;
  release(): void;
}

/** Takes a free core slot now, or returns null when all are held. */
export function tryAcquireCore(env: NodeJS.ProcessEnv = process.env): CoreSlot | null {
  const count = coreCount(env);
  const dir = privateCoresDir(env);
  for (let slot = 0; slot < count; slot++) {
    if (mine.has(slot)) continue;
    const lock: Lock | null = tryAcquireLock(join(dir, `core-${slot}.lock`));
    if (!lock) continue;
    mine.add(slot);
    return {
      slot,
      release() {
        if (!mine.delete(slot)) return;
        lock.release();
      },
    };
  }
  return null;
}

/**
 * Takes a core slot, waiting as long as it takes (a holder that dies frees its
 * slot); `waiting` is called once when it has to wait, and `cancelled` ends the wait.
 */
export async function acquireCore(options: { env?: NodeJS.ProcessEnv; waiting?: () => void; cancelled?: () => boolean } = {}): Promise<CoreSlot | null> {
  let said = false;
  for (;;) {
    const core = tryAcquireCore(options.env);
    if (core) return core;
    if (options.cancelled?.()) return null;
    if (!said) options.waiting?.();
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
