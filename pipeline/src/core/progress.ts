/**
 * Progress and logging for stages. The output stream is passed in, so a stage
 * runs the same under a terminal, under turbo, in a pipe or in a test. On a
 * terminal one status line is redrawn in place; anywhere else plain lines are
 * printed at a bounded rate, with no control sequences. Stages receive a
 * Logger from the command that runs them (bin/stage.ts), so this module is
 * in no stage's cache key.
 */
import { duration } from './format.ts';

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  /** A tracker for `totalSteps` units of work (e.g. epochs) done in runs, possibly several at once. */
  progress(totalSteps: number, unit: string): Progress;
}

export interface Progress {
  /** Starts a run of `steps` steps; `label` names it in every line (e.g. "sinc · deep-6 · seed 2"). */
  start(label: string, steps: number): RunProgress;
}

export interface RunProgress {
  /** Reports step `step` (1-based) of this run, with its metric. */
  update(step: number, metric: string): void;
  /**
   * Ends this run with a summary. `stepsDone` below the run's steps means it
   * stopped early (e.g. at a target accuracy): the total shrinks, so the
   * percentage and ETA stay true.
   */
  end(summary: string, stepsDone?: number): void;
}

export interface LoggerOptions {
  prefix?: string;
  /** Seconds between plain progress lines when not on a terminal. */
  interval?: number;
  now?: () => number;
  /** Told the share of the work done, the ETA and whether a run trains, on every update (runtime/board.ts). */
  report?: (status: { done: number; etaSeconds: number | null; training: boolean }) => void;
  /** A line over every stage running, when one is due (runtime/board.ts); printed without the prefix. */
  overall?: () => string | null;
}

export function createLogger(out: Output, options: LoggerOptions = {}): Logger {
  const tty = out.isTTY === true;
  const now = options.now ?? (() => performance.now() / 1000);
  const interval = options.interval ?? 5;
  const prefix = options.prefix ? `${options.prefix} ` : '';
  let statusShown = false;
  const clearStatus = (): void => {
    if (statusShown) out.write('\r\x1b[2K');
    statusShown = false;
  };
  const line = (text: string): void => {
    clearStatus();
    out.write(`${prefix}${text}\n`);
  };
  return {
    info: (m) => line(m),
    warn: (m) => line(`warning: ${m}`),
    progress(totalSteps, unit) {
      const t0 = now();
      let finished = 0; // steps of ended runs
      const active = new Map<object, number>(); // run → its current step
      let lastPrint = now();
      let lastDraw = -Infinity;
      // Time with at least one run training: waiting for a core (runtime/cores.ts) is not progress.
      let busy = 0;
      let busySince: number | null = null;
      const busyTime = (): number => busy + (busySince === null ? 0 : now() - busySince);
      const done = (): number => finished + [...active.values()].reduce((a, b) => a + b, 0);
      // Seconds left at the rate so far; null until the rate means something (a first epoch includes start-up).
      const eta = (): number | null => {
        const d = done();
        const t = busyTime();
        if (d <= 0 || t < 3 || d < totalSteps * 0.02) return null;
        return ((totalSteps - d) * t) / d;
      };
      const etaText = (): string => {
        const left = eta();
        return left === null ? 'ETA after warm-up' : `ETA ${duration(left)}`;
      };
      // At most twice a second (a stage may update on every optimizer step), and whenever training starts or stops.
      let lastTell = -Infinity;
      let toldTraining: boolean | null = null;
      const tell = (): void => {
        if (!options.report) return;
        const t = now();
        if (t - lastTell < 0.5 && active.size > 0 === toldTraining) return;
        lastTell = t;
        toldTraining = active.size > 0;
        options.report({ done: Math.min(1, done() / totalSteps), etaSeconds: eta(), training: active.size > 0 });
        const o = options.overall?.();
        if (o) {
          clearStatus();
          out.write(`${o}\n`);
        }
      };
      const status = (label: string, step: number, steps: number, metric: string): string => {
        const elapsed = busyTime();
        const rate = elapsed > 0 ? done() / elapsed : 0;
        const pct = ((100 * done()) / totalSteps).toFixed(0).padStart(3);
        return `${pct}% ${label}  ${unit} ${step}/${steps}  ${metric}  ${rate.toFixed(rate < 10 ? 1 : 0)} ${unit}/s  ${etaText()}`;
      };
      return {
        start(label, steps) {
          const run = {};
          if (active.size === 0) busySince = now();
          active.set(run, 0);
          tell();
          return {
            update(step, metric) {
              active.set(run, step);
              tell();
              const t = now();
              if (tty) {
                if (t - lastDraw < 0.1 && step !== steps) return;
                lastDraw = t;
                out.write(`\r\x1b[2K${prefix}${status(label, step, steps, metric)}`);
                statusShown = true;
              } else if (t - lastPrint >= interval) {
                lastPrint = t;
                line(status(label, step, steps, metric));
              }
            },
            end(summary, stepsDone) {
              active.delete(run);
              if (active.size === 0 && busySince !== null) {
                busy += now() - busySince;
                busySince = null;
              }
              const did = stepsDone === undefined ? steps : Math.max(0, Math.min(steps, stepsDone));
              totalSteps -= steps - did;
              finished += did;
              const left = finished >= totalSteps ? `${duration(now() - t0)} in all` : etaText();
              line(`${label}: ${summary}  (${left})`);
              tell();
            },
          };
        },
      };
    },
  };
}
