/**
 * What a stage is. Its folder under stages/ holds:
 * - spec.ts: a StageSpec (name, title, the schemas of its config and of the
 *   data it writes). No TensorFlow.js, so the site and the diff can read it.
 * - run.ts: `spec`, `run(config, ctx)` and, for independent jobs spread over
 *   the worker threads, `runOne(config, job, report)`.
 * - metrics.ts (optional): the scalar metrics `npm run diff` compares.
 */
import type { z } from 'zod';
import type { Profile } from './config.ts';
import type { Logger } from './progress.ts';

export interface StageSpec<C extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  /** The stage's folder, its config file's name, its artifact's directory and its turbo task `stage:<name>`. */
  name: string;
  /** Section of the report, e.g. "1-1 Simulate a function". */
  title: string;
  /** Bumped whenever the shape of `data` changes. */
  schemaVersion: number;
  /**
   * The datasets the stage reads (data/datasets.ts names): npm run sync puts
   * their files and variables into its cache key, and the runner fails a
   * stage that reads one it does not declare.
   */
  datasets: readonly string[];
  configSchema: C;
  dataSchema: D;
  /**
   * The seeds the stage's runs use, as its manifest records them; by default
   * the config's `seeds`. A stage that derives them (minimal-ratio, from
   * baseSeed) says how.
   */
  seeds?: (config: z.output<C>) => number[];
}

/** A stage's name: its folder, config file and turbo task. Lower-case words of letters and digits joined by single dashes. */
export const STAGE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** What a backend is called and how it runs, as every manifest records it. */
export interface BackendInfo {
  /** `wasm+onednn`: the wasm backend with the native kernels of pipeline/native (convolutions, products, fused steps). */
  name: 'tensorflow' | 'wasm+onednn' | 'wasm' | 'cpu';
  /** Human-readable details (SIMD, threads, library version). */
  detail: string;
}

/** How a stage module runs one job; `report` takes the step (1-based) and a metric to show. */
export type RunOne<C, J, R> = (config: C, job: J, report: (step: number, metric: string) => void) => Promise<R> | R;

export interface JobInfo {
  label: string;
  steps: number;
}

export interface JobsOptions<R, J> {
  /** The unit of a step in progress lines ("epoch", "batch"). */
  unit: string;
  /** What one job is called in progress lines: "run" (the default), or "ensemble" when a job trains several runs at once. */
  noun?: string;
  /** The closing line of a finished run. */
  summary: (result: R) => string;
  /** Steps a finished run actually took, when it can stop early (a target accuracy reached). */
  stepsDone?: (result: R, job: J) => number;
}

export interface StageContext {
  profile: Profile;
  backend: BackendInfo;
  log: Logger;
  /** Identity of every dataset the stage read ("absent" for one it looked for and did not find); goes into the manifest. */
  datasets: Record<string, string>;
  /**
   * Runs independent jobs through the stage module's `runOne`, on every core
   * (HW1_WORKERS), with progress; results come back in the order of `jobs`.
   */
  runJobs<C, J, R>(config: C, jobs: readonly J[], info: (job: J) => JobInfo, options: JobsOptions<R, J>): Promise<R[]>;
}

export interface StageModule<C extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  spec: StageSpec<C, D>;
  run(config: z.output<C>, ctx: StageContext): Promise<z.output<D>>;
  /** One independent job of the stage (a training run), for ctx.runJobs; also what worker threads call. */
  runOne?: RunOne<z.output<C>, unknown, unknown>;
}
