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
import { checkWritableDir, StorageError } from '../core/artifact.ts';
import { InputError } from '../core/errors.ts';
import { BadLockError, type Lock, lockHolder, tryAcquireLock } from '../core/lock.ts';

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
    checkWritableDir(dir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const reason = err instanceof StorageError ? err.message : `${dir} cannot be used as a folder (${(err as NodeJS.ErrnoException).code})`;
    throw new InputError(`${env.HW1_CORES_DIR ? 'HW1_CORES_DIR=' : 'the core-slot folder '}${reason}; set HW1_CORES_DIR to a directory of your own`);
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

/** Slot lock files already reported as not being locks (said once per process). */
const reported = new Set<string>();

const slotFile = (dir: string, slot: number): string => join(dir, `core-${slot}.lock`);

/**
 * Takes a free core slot now, or returns null when all are held. A slot whose
 * lock file is something else (a directory, a link) is skipped and reported
 * once through `warn`; when no slot is usable, the folder is an input error.
 */
export function tryAcquireCore(env: NodeJS.ProcessEnv = process.env, warn: (message: string) => void = () => {}): CoreSlot | null {
  const count = coreCount(env);
  const dir = privateCoresDir(env);
  let bad = 0;
  for (let slot = 0; slot < count; slot++) {
    if (mine.has(slot)) continue;
    let lock: Lock | null;
    try {
      lock = tryAcquireLock(slotFile(dir, slot));
    } catch (err) {
      if (!(err instanceof BadLockError)) throw err;
      bad++;
      if (!reported.has(err.message)) {
        reported.add(err.message);
        warn(`core slot ${slot} skipped: ${err.message}`);
      }
      continue;
    }
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
  if (bad === count)
    throw new InputError(
      `no core slot in ${env.HW1_CORES_DIR ? `HW1_CORES_DIR=${dir}` : dir} can be used: every core-<n>.lock there is not a lock file; remove them`,
    );
  return null;
}

/** Who holds the slots now, for a message: "core-0.lock: pid 123, core-1.lock: pid 456 (in <dir>)". */
export function slotHolders(env: NodeJS.ProcessEnv = process.env): string {
  const dir = coresDir(env);
  const parts: string[] = [];
  for (let slot = 0; slot < coreCount(env); slot++) {
    const file = slotFile(dir, slot);
    let who: string;
    try {
      const h = lockHolder(file);
      who = h ? `pid ${h.pid}${mine.has(slot) ? ' (this stage)' : ''}` : 'free';
    } catch {
      who = 'not a lock file';
    }
    parts.push(`core-${slot}.lock: ${who}`);
  }
  return `${parts.join(', ')} (in ${dir})`;
}

/**
 * Takes a core slot, waiting as long as it takes (a holder that dies frees its
 * slot); `waiting` is told once, when it has to wait, which slots are held by
 * whom; `cancelled` ends the wait; `warn` hears of slots skipped as unusable.
 */
export async function acquireCore(
  options: { env?: NodeJS.ProcessEnv; waiting?: (holders: string) => void; cancelled?: () => boolean; warn?: (message: string) => void } = {},
): Promise<CoreSlot | null> {
  let said = false;
  for (;;) {
    const core = tryAcquireCore(options.env, options.warn);
    if (core) return core;
    if (options.cancelled?.()) return null;
    if (!said) options.waiting?.(slotHolders(options.env));
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
