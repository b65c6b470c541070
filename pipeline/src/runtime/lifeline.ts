/**
 * A stage dies with the turbo task that started it. turbo runs a stage as
 * `npm run stage:<name>` → `sh -c` → node; when one of those is killed (a task
 * stopped by hand, a runner that kills the task's process), the stage would be
 * left running and later write an artifact for a task turbo has reported
 * failed. Under turbo (TURBO_HASH set), the stage notes its ancestors up to
 * turbo itself, with when each started, and stops, writing nothing, as soon as
 * one of them is gone. Outside turbo a stage is the user's to run as they like
 * (`nohup`, a closed terminal), and is left alone.
 */
import { readFileSync } from 'node:fs';
import { running, startTime } from '../core/lock.ts';

interface Ancestor {
  pid: number;
  name: string;
  start: string | undefined;
}

/** A process's parent pid and command name (Linux: /proc/<pid>/stat), or null where /proc has none. */
function parentOf(pid: number): { ppid: number; name: string } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? { ppid, name } : null;
  } catch {
    return null;
  }
}

/** This process's ancestors, parent first, up to and including the first named `turbo` (at most `depth`). */
export function ancestorsUpTo(top: string, depth = 8): Ancestor[] {
  const out: Ancestor[] = [];
  let pid = process.ppid;
  for (let i = 0; i < depth && pid > 1; i++) {
    const p = parentOf(pid);
    if (!p) break;
    out.push({ pid, name: p.name, start: startTime(pid) ?? undefined });
    if (p.name === top) return out;
    pid = p.ppid;
  }
  // turbo not among them (another launcher, or no /proc): the parent alone.
  return out.slice(0, 1);
}

/**
 * Calls `gone` (once) when a watched ancestor is gone, checking every `every`
 * ms; returns a function that stops watching. The timer never keeps the
 * process alive. Where there is no /proc, a change of parent pid is the sign.
 */
export function watchAncestors(gone: (who: string) => void, options: { env?: NodeJS.ProcessEnv; every?: number; top?: string } = {}): () => void {
  const env = options.env ?? process.env;
  if (!env.TURBO_HASH) return () => {};
  const watched = ancestorsUpTo(options.top ?? 'turbo');
  const parent = process.ppid;
  const timer = setInterval(() => {
    const lost = watched.length ? watched.find((a) => !running(a.pid, a.start)) : process.ppid !== parent ? { pid: parent, name: 'parent' } : undefined;
    if (!lost) return;
    clearInterval(timer);
    gone(`${lost.name} (pid ${lost.pid})`);
  }, options.every ?? 1000);
  timer.unref();
  return () => clearInterval(timer);
}
