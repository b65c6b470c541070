/**
 * Runs one stage: validate its config, pick the backend, train, and write the
 * artifact with its manifest. Nothing is written unless every step succeeded.
 * The logger comes from the caller (bin/stage.ts, a test), so how progress
 * is shown is not part of any stage's cache key.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkWritableDir, type Manifest, readArtifact, resultHash, StorageError, writeArtifact } from '../core/artifact.ts';
import { activeProfile, loadStageConfig, type Profile } from '../core/config.ts';
import { UsageError } from '../core/errors.ts';
import { stageCodeHash } from '../core/hash.ts';
import { acquireLock, lockFile } from '../core/lock.ts';
import { artifactPath, artifactsRoot, projectRoot, stageFile, stagesRoot } from '../core/paths.ts';
import type { Logger } from '../core/progress.ts';
import { STAGE_NAME, type StageContext, type StageModule } from '../core/stage.ts';
import { selectBackend } from './backend.ts';
import { runJobs as runInPool, workerCount } from './pool.ts';
import { remoteCacheNote } from './remote-cache.ts';

/** The stages there are: every folder under stages/ with a run.ts. */
export function stageNames(): string[] {
  return readdirSync(stagesRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(stageFile(d.name, 'run')))
    .map((d) => d.name)
    .sort();
}

/**
 * A stage's run module, loaded by name. The name is checked against the
 * folders rather than a list, so no registry is in any stage's cache key.
 */
export async function loadStage(name: string): Promise<StageModule> {
  if (!STAGE_NAME.test(name) || !existsSync(stageFile(name, 'run'))) {
    throw new UsageError(`unknown stage "${name}"; expected one of ${stageNames().join(', ')}`);
  }
  return (await import(`../stages/${name}/run.ts`)) as StageModule;
}

export function gitState(): Manifest['git'] {
  try {
    const opts = { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], encoding: 'utf8' as const };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'pipeline', 'content'], opts).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

export function libraryVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node-gpu']) {
    try {
      const json = JSON.parse(readFileSync(join(projectRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
      versions[pkg] = json.version;
    } catch {
      // Not installed (the native backend is optional).
    }
  }
  return versions;
}

export interface RunStageOptions {
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

export async function runStage(name: string, options: RunStageOptions): Promise<{ file: string; manifest: Manifest }> {
  const module = await loadStage(name);
  const env = options.env ?? process.env;
  const t0 = performance.now();
  const profile = activeProfile(env);
  const { config, hash: configHash, file: configShown } = loadStageConfig(module.spec, profile, env);
  options.log.info(`profile ${profile}, config ${configShown} (${configHash})`);
  // Where the artifact goes must be usable before anything trains, and no other run may write it meanwhile.
  const file = artifactPath(name, artifactsRoot(env));
  try {
    checkWritableDir(dirname(file));
  } catch (err) {
    throw new StorageError(`cannot use ${dirname(file)} for the artifact of stage "${name}": ${(err as Error).message}; check HW1_ARTIFACTS_DIR`);
  }
  const lock = acquireLock(lockFile(`stage-${name}`, file), `stage "${name}" (writing ${file})`);
  try {
    const note = await remoteCacheNote(env);
    if (note) options.log.warn(note);
    return await train(module, file, { config, configHash, profile, env, log: options.log, t0 });
  } finally {
    lock.release();
  }
}

interface Prepared {
  config: unknown;
  configHash: string;
  profile: Profile;
  env: NodeJS.ProcessEnv;
  log: Logger;
  t0: number;
}

async function train(
  module: StageModule,
  file: string,
  { config, configHash, profile, env, log, t0 }: Prepared,
): Promise<{ file: string; manifest: Manifest }> {
  const { spec } = module;
  const name = spec.name;
  const backend = await selectBackend(env.HW1_BACKEND);
  log.info(`backend ${backend.name}: ${backend.detail}`);

  const datasets: Record<string, string> = {};
  const workers = workerCount(env);
  const runJobs: StageContext['runJobs'] = (cfg, jobs, info, run) => {
    if (!module.runOne) throw new Error(`stage "${name}" has no runOne to run jobs with`);
    const threads = Math.min(workers, jobs.length);
    const noun = run.noun ?? 'run';
    log.info(`${jobs.length} ${noun}${jobs.length === 1 ? '' : 's'} on ${threads} worker thread${threads === 1 ? '' : 's'}`);
    const progress = log.progress(
      jobs.reduce((s, j) => s + info(j).steps, 0),
      run.unit,
    );
    // Every run is numbered here, so its progress lines and summary read "run 3/24 <label>".
    const index = new Map(jobs.map((j, i) => [j, i]));
    const numbered = (j: (typeof jobs)[number]) => {
      const { label, steps } = info(j);
      return { label: `${noun} ${index.get(j)! + 1}/${jobs.length}${label ? ` ${label}` : ''}`, steps };
    };
    return runInPool(cfg, jobs, numbered, module.runOne as never, {
      workers,
      backend: backend.name,
      stage: name,
      progress,
      summary: run.summary as (r: unknown) => string,
      stepsDone: run.stepsDone as ((r: unknown, j: unknown) => number) | undefined,
      waiting: (message) => log.info(message),
      warn: (message) => log.warn(message),
    });
  };
  const data = await module.run(config, { profile, backend, log, datasets, runJobs });
  const undeclared = Object.keys(datasets).filter((d) => !spec.datasets.includes(d));
  if (undeclared.length) {
    throw new Error(
      `stage "${name}" read ${undeclared.join(', ')}, which its spec does not declare in \`datasets\`: the cache key would miss that data (add it to stages/${name}/spec.ts and run \`npm run sync\`)`,
    );
  }
  const checked = spec.dataSchema.safeParse(data);
  if (!checked.success) throw new Error(`stage "${name}" produced data that does not match its schema: ${checked.error.message}`);

  const seconds = (performance.now() - t0) / 1000;
  const manifest: Manifest = {
    stage: name,
    configHash,
    codeHash: stageCodeHash(name),
    data: datasets,
    profile,
    backend: { name: backend.name, detail: backend.detail },
    seeds: spec.seeds ? spec.seeds(config as never) : Array.isArray((config as { seeds?: unknown }).seeds) ? (config as { seeds: number[] }).seeds : [],
    git: gitState(),
    createdAt: new Date().toISOString(),
    wallTimeSeconds: Math.round(seconds * 1000) / 1000,
    versions: libraryVersions(),
    dataHash: resultHash(checked.data),
  };
  writeArtifact(file, { schemaVersion: spec.schemaVersion, manifest, data: checked.data });
  // Read back as every reader will: an artifact that fails its own check fails the stage, so turbo never caches it.
  readArtifact(file, name, spec.schemaVersion, spec.dataSchema);
  return { file, manifest };
}
