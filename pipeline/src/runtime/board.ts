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
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/artifact.ts';
import { duration } from '../core/format.ts';
import { sha256 } from '../core/hash.ts';
import { alive, type Lock, tryAcquireLock } from '../core/lock.ts';
import { artifactsRoot } from '../core/paths.ts';
import { coresDir } from './cores.ts';

/** What a stage says of itself on the board. */
export interface StageStatus {
  stage: string;
  pid: number;
  /** Share of its work done, 0–1. */
  done: number;
  /** Seconds left by its own measure, or null while it has none (waiting, warming up). */
  etaSeconds: number | null;
  /** Whether a run of it holds a core now. */
  training: boolean;
}

export interface Board {
  /** Updates this stage's status (written at most once a second, and always when it starts or stops training). */
  report(status: Omit<StageStatus, 'stage' | 'pid'>): void;
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
}

export const boardDir = (env: NodeJS.ProcessEnv = process.env): string => join(coresDir(env), `board-${sha256(artifactsRoot(env)).slice(0, 12)}`);

/** Every live stage's status on the board; entries of processes that are gone are removed. */
export function readBoard(dir: string): StageStatus[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: StageStatus[] = [];
  for (const name of names.sort()) {
    let s: StageStatus;
    try {
      s = JSON.parse(readFileSync(join(dir, name), 'utf8')) as StageStatus;
    } catch {
      continue; // being replaced right now
    }
    if (alive(s.pid)) out.push(s);
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

export function joinBoard(stage: string, options: BoardOptions = {}): Board {
  const dir = boardDir(options.env);
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
  write({ stage, pid: process.pid, done: 0, etaSeconds: null, training: false });
  return {
    report(status) {
      if (left) return;
      const t = now();
      if (t - lastWrite < 1 && status.training === lastTraining) return;
      lastWrite = t;
      lastTraining = status.training;
      write({ stage, pid: process.pid, ...status });
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
        leader = tryAcquireLock(join(dir, 'leader.lock'));
        if (leader) leading = self;
      }
      if (!leader) return null;
      lastOverall = t;
      const stages = readBoard(dir);
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
