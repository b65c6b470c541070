/**
 * One progress line for the whole report. turbo runs each stage as its own
 * process, each printing its own progress; the board is where they meet: a
 * small status file per running stage beside the core slots (cores.ts), one
 * board per artifacts directory (the stages of one report write into one;
 * another checkout's report, or a test's stages, have boards of their own),
 * and one stage at a time, the board's leader (a lock file, taken over when
 * its process ends), prints a line over all of them:
 *
 *   [report] 3 stages: simulate-function 62% (ETA 1 min 5 s), minimal-ratio 20% (after warm-up), flatness-sensitivity not training yet · ETA once every stage has trained a while
 *
 * The overall ETA is the longest of the stages' own ETAs, shown only when
 * every stage on the board has one (a stage still waiting for a core, or
 * warming up, has none yet): until then it would be a guess.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/artifact.ts';
import { InputError } from '../core/errors.ts';
import { duration } from '../core/format.ts';
import { sha256 } from '../core/hash.ts';
import { BadLockError, type Lock, myStart, running, tryAcquireLock } from '../core/lock.ts';
import { artifactsRoot } from '../core/paths.ts';
import { coresDir, privateCoresDir } from './cores.ts';

/** What a stage says of itself on the board. */
export interface StageStatus {
  stage: string;
  pid: number;
  /** When that process started (core/lock.ts startTime): a pid reused by another process is not this stage. */
  start: string;
  /** Share of its work done, 0–1. */
  done: number;
  /** Seconds left by its own measure, or null while it has none (waiting, warming up). */
  etaSeconds: number | null;
  /** Whether a run of it holds a core now. */
  training: boolean;
}

export interface Board {
  /** Updates this stage's status (written at most once a second, and always when it starts or stops training). */
  report(status: Omit<StageStatus, 'stage' | 'pid' | 'start'>): void;
  /** The line over every stage on the board, when this process leads the board and `every` seconds passed since its last; else null. */
  overall(): string | null;
  /** Takes this stage off the board (and gives up leading it). */
  leave(): void;
}

export interface BoardOptions {
  env?: NodeJS.ProcessEnv;
  /** Seconds between overall lines. */
  every?: number;
  now?: () => number;
  /** Hears of entries on the board that are not a stage's status (each said once), and of a board that cannot be used. */
  warn?: (message: string) => void;
}

export const boardDir = (env: NodeJS.ProcessEnv = process.env): string => join(coresDir(env), `board-${sha256(artifactsRoot(env)).slice(0, 12)}`);

/** A stage's status as written on the board, or null for anything else. */
function asStatus(value: unknown): StageStatus | null {
  if (typeof value !== 'object' || value === null) return null;
  const s = value as Record<string, unknown>;
  const ok =
    typeof s.stage === 'string' &&
    Number.isInteger(s.pid) &&
    typeof s.start === 'string' &&
    typeof s.done === 'number' &&
    s.done >= 0 &&
    s.done <= 1 &&
    (s.etaSeconds === null || (typeof s.etaSeconds === 'number' && Number.isFinite(s.etaSeconds) && s.etaSeconds >= 0)) &&
    typeof s.training === 'boolean';
  return ok ? (value as StageStatus) : null;
}

/**
 * Every live stage's status on the board; entries of processes that are gone
 * are removed. Anything else there (not JSON, not a status, not a file) is
 * skipped and named to `bad`: statuses are written whole (renamed into place),
 * so such an entry is never one being written.
 */
export function readBoard(dir: string, bad: (name: string, why: string) => void = () => {}): StageStatus[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: StageStatus[] = [];
  for (const name of names.sort()) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') bad(name, code === 'EISDIR' ? 'it is a directory' : code ? `it cannot be read (${code})` : 'it is not JSON');
      continue;
    }
    const s = asStatus(value);
    if (!s) bad(name, "it is not a stage's status");
    else if (running(s.pid, s.start)) out.push(s);
    else rmSync(join(dir, name), { force: true });
  }
  return out;
}

/** The overall line for a set of statuses. */
export function overallLine(stages: readonly StageStatus[]): string {
  const part = (s: StageStatus) =>
    !s.training && s.done === 0
      ? `${s.stage} not training yet`
      : `${s.stage} ${(100 * s.done).toFixed(0)}% (${s.etaSeconds === null ? 'after warm-up' : `ETA ${duration(s.etaSeconds)}`})`;
  const etas = stages.map((s) => s.etaSeconds);
  const eta =
    etas.length > 0 && etas.every((e) => e !== null) ? `ETA ${duration(Math.max(...(etas as number[])))}` : 'ETA once every stage has trained a while';
  return `[report] ${stages.length} stage${stages.length === 1 ? '' : 's'}: ${stages.map(part).join(', ')} · ${eta}`;
}

/** The board of this process that leads (the leader lock is per process, so two boards of one process, as in a test, take turns here). */
let leading: object | null = null;

/** A board that shows nothing, for a stage whose board folder cannot be used (the stage runs as without one). */
const noBoard: Board = { report() {}, overall: () => null, leave() {} };

export function joinBoard(stage: string, options: BoardOptions = {}): Board {
  const warn = options.warn ?? (() => {});
  const said = new Set<string>();
  const bad = (name: string, why: string) => {
    if (said.has(name)) return;
    said.add(name);
    warn(`the progress board skips ${join(dir, name)}: ${why}`);
  };
  const dir = boardDir(options.env);
  try {
    privateCoresDir(options.env);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    if (!st.isDirectory()) throw new InputError(`${dir} is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}`);
  } catch (err) {
    warn(`no progress line over the stages: ${(err as Error).message}`);
    return noBoard;
  }
  const file = join(dir, `${stage}.${process.pid}.json`);
  const now = options.now ?? (() => performance.now() / 1000);
  const every = options.every ?? 15;
  let lastWrite = -Infinity;
  let lastTraining: boolean | null = null;
  let lastOverall = now();
  let lastTry = -Infinity;
  let leader: Lock | null = null;
  let left = false;
  mkdirSync(dir, { recursive: true });
  const write = (s: StageStatus) => writeFileAtomic(file, JSON.stringify(s));
  const self = {};
  const resign = () => {
    leader?.release();
    leader = null;
    if (leading === self) leading = null;
  };
  const start = myStart();
  write({ stage, pid: process.pid, start, done: 0, etaSeconds: null, training: false });
  return {
    report(status) {
      if (left) return;
      const t = now();
      if (t - lastWrite < 1 && status.training === lastTraining) return;
      lastWrite = t;
      lastTraining = status.training;
      write({ stage, pid: process.pid, start, ...status });
      // A stage with nothing training (waiting for a core, or between phases) prints nothing, so lets another lead.
      if (!status.training && leader) resign();
    },
    overall() {
      if (left) return null;
      const t = now();
      if (t - lastOverall < every) return null;
      // Trying for the lead is a few file operations: once a second at most.
      if (!leader && leading === null && t - lastTry >= 1) {
        lastTry = t;
        try {
          leader = tryAcquireLock(join(dir, 'leader.lock'));
        } catch (err) {
          if (!(err instanceof BadLockError)) throw err;
          bad('leader.lock', 'it is not a lock file');
        }
        if (leader) leading = self;
      }
      if (!leader) return null;
      lastOverall = t;
      const stages = readBoard(dir, bad);
      // Alone on the board, a stage's own lines say it all.
      return stages.length > 1 ? overallLine(stages) : null;
    },
    leave() {
      if (left) return;
      left = true;
      rmSync(file, { force: true });
      if (leader) resign();
    },
  };
}
