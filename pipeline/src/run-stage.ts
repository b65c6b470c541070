/**
 * Runs one stage: validate its config, pick the backend, train, and write the
 * artifact with its manifest. Nothing is written unless every step succeeded.
 */
import { relative } from 'node:path';
import type { z } from 'zod';
import { artifactPath, artifactsRoot, writeArtifact, type Manifest } from './artifact.ts';
import { selectBackend, type BackendInfo } from './backend.ts';
import { activeProfile, type Profile } from './config.ts';
import { UsageError } from './errors.ts';
import { codeHash, projectRoot } from './hash.ts';
import { runJobs as runInPool, workerCount, type JobInfo, type RunOne } from './pool.ts';
import { createLogger, formatDuration, type Logger, type Output } from './progress.ts';
import { gitState, libraryVersions, loadStageConfig, stageModule, type StageSpec } from './stage.ts';
import { stageList } from './stages/index.ts';

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
  runJobs<C, J, R>(config: C, jobs: readonly J[], info: (job: J) => JobInfo, run: { unit: string; summary: (result: R) => string; stepsDone?: (result: R, job: J) => number }): Promise<R[]>;
}

export interface StageModule<C extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  spec: StageSpec<C, D>;
  run(config: z.output<C>, ctx: StageContext): Promise<z.output<D>>;
  /** One independent job of the stage (a training run), for ctx.runJobs; also what worker threads call. */
  runOne?: RunOne<z.output<C>, unknown, unknown>;
}

export async function loadStage(name: string): Promise<StageModule> {
  if (!stageList.some((s) => s.name === name)) {
    throw new UsageError(`unknown stage "${name}"; expected one of ${stageList.map((s) => s.name).join(', ')}`);
  }
  return (await import(`./stages/${name}.ts`)) as StageModule;
}

/** A wrong command line: unknown stage or option. */

export interface RunStageOptions {
  out?: Output;
  env?: NodeJS.ProcessEnv;
}

export async function runStage(name: string, options: RunStageOptions = {}): Promise<{ file: string; manifest: Manifest }> {
  const module = await loadStage(name);
  const { spec } = module;
  const env = options.env ?? process.env;
  const log = createLogger(options.out ?? process.stdout, { prefix: `[${name}]` });
  const t0 = performance.now();
  const profile = activeProfile(env);
  const { config, hash: configHash, file: configShown } = loadStageConfig(spec, profile, env);
  log.info(`profile ${profile}, config ${configShown} (${configHash})`);

  const backend = await selectBackend(env.HW1_BACKEND);
  log.info(`backend ${backend.name}: ${backend.detail}`);

  const datasets: Record<string, string> = {};
  const workers = workerCount(env);
  log.info(`${workers} worker thread${workers === 1 ? '' : 's'} for independent runs`);
  const runJobs: StageContext['runJobs'] = (cfg, jobs, info, run) => {
    if (!module.runOne) throw new Error(`stage "${name}" has no runOne to run jobs with`);
    const progress = log.progress(jobs.reduce((s, j) => s + info(j).steps, 0), run.unit);
    // Every run is numbered here, so its progress lines and summary read "run 3/24 <label>".
    const index = new Map(jobs.map((j, i) => [j, i]));
    const numbered = (j: (typeof jobs)[number]) => {
      const { label, steps } = info(j);
      return { label: `run ${index.get(j)! + 1}/${jobs.length}${label ? ` ${label}` : ''}`, steps };
    };
    return runInPool(cfg, jobs, numbered, module.runOne as never, { workers, backend: backend.name, stage: name, progress, summary: run.summary as (r: unknown) => string, stepsDone: run.stepsDone as ((r: unknown, j: unknown) => number) | undefined });
  };
  const data = await module.run(config, { profile, backend, log, datasets, runJobs });
  const checked = spec.dataSchema.safeParse(data);
  if (!checked.success) throw new Error(`stage "${name}" produced data that does not match its schema: ${checked.error.message}`);

  const seconds = (performance.now() - t0) / 1000;
  const manifest: Manifest = {
    stage: name,
    configHash,
    codeHash: codeHash(stageModule(name)),
    data: datasets,
    profile,
    backend: { name: backend.name, detail: backend.detail },
    seeds: Array.isArray((config as { seeds?: unknown }).seeds) ? (config as { seeds: number[] }).seeds : [],
    git: gitState(),
    createdAt: new Date().toISOString(),
    wallTimeSeconds: Math.round(seconds * 1000) / 1000,
    versions: libraryVersions(),
  };
  const file = artifactPath(name, artifactsRoot(env));
  writeArtifact(file, { schemaVersion: spec.schemaVersion, manifest, data: checked.data });
  log.info(`done in ${formatDuration(seconds)}: wrote ${relative(projectRoot, file) || file}`);
  return { file, manifest };
}
