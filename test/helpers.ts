/** Shared test plumbing: temp dirs, running the CLI and building the site as a user would. */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, inject } from 'vitest';

export const root = resolve(import.meta.dirname, '..');

const created: string[] = [];
// Registered once per test file at import, so dirs made inside tests are removed too.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(prefix = 'hw1-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HW1_')) delete env[k];
  return env;
};

/** `node pipeline/src/cli.ts …` with the project's Node, env on top of a clean HW1_* slate. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [join(root, 'pipeline/src/cli.ts'), ...args], {
    cwd: join(root, 'pipeline'),
    env: { ...baseEnv(), ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Astro puts a build's prerender chunks under site/.astro/ when the output is outside site/, so two
// builds at once (two test files) would overwrite each other's: builds take turns through this lock.
const buildLock = join(root, 'node_modules/.hw1-build-lock');

function withBuildLock<T>(run: () => T): T {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(buildLock, { recursive: false });
      break;
    } catch (err) {
      // Only "someone else holds it" is worth waiting for.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock older than any build is left over from a killed run.
      if (Date.now() - (statSync(buildLock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000) rmSync(buildLock, { recursive: true, force: true });
      Atomics.wait(pause, 0, 0, 200);
    }
  }
  try {
    return run();
  } finally {
    rmSync(buildLock, { recursive: true, force: true });
  }
}

/** `astro build` of the site into `out`. */
export function buildSite(out: string, env: NodeJS.ProcessEnv = {}): Result {
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const r = withBuildLock(() =>
    spawnSync(process.execPath, [astro, 'build'], {
      cwd: join(root, 'site'),
      env: { ...baseEnv(), ASTRO_TELEMETRY_DISABLED: '1', HW1_SITE_OUT: out, ...env },
      encoding: 'utf8',
    }),
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every stage's name, from the registry. */
export { stageList } from '../pipeline/src/stages/index.ts';
import { stageList } from '../pipeline/src/stages/index.ts';

function runCliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'pipeline/src/cli.ts'), ...args], { cwd: join(root, 'pipeline'), env: { ...baseEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs every stage with its shipped config and the quick profile, two at a time, into `dir`. */
async function runQuickStages(dir: string): Promise<void> {
  const queue = stageList.map((s) => s.name);
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      // One worker thread each: two stages already run side by side.
      const r = await runCliAsync([name], { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: dir, HW1_WORKERS: '1' });
      if (r.status !== 0) throw new Error(`quick run of ${name} failed:\n${r.stdout}\n${r.stderr}`);
    }
  };
  await Promise.all([worker(), worker()]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The quick artifacts of every stage, computed once per test run in the
 * run's shared directory (test/global-setup.ts): the first file to ask
 * computes them while the others wait.
 */
async function sharedQuickArtifacts(): Promise<string> {
  const shared = inject('sharedDir');
  const dir = join(shared, 'quick');
  const done = join(shared, 'quick.done');
  const lock = join(shared, 'quick.lock');
  for (;;) {
    if (existsSync(done)) return dir;
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await sleep(500);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      await runQuickStages(dir);
      writeFileSync(done, '');
      return dir;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * The quick artifacts of every stage (shipped configs, quick profile), in a
 * directory shared by the whole test run: read it, never write to it
 * (siteWorkspace copies what a build needs).
 */
export const quickArtifacts = (): Promise<string> => sharedQuickArtifacts();

/**
 * A config directory and an artifacts directory for a site build: each stage
 * in `own` with the given config text and the artifact from its directory,
 * every other stage with its shipped config and the artifact from `quickDir`.
 */
export function siteWorkspace(quickDir: string, own: ReadonlyArray<{ stage: string; config: string; artifacts: string }> = []): { configDir: string; artifacts: string } {
  const configDir = tempDir();
  const artifacts = tempDir();
  for (const { name } of stageList) {
    const mine = own.find((o) => o.stage === name);
    if (mine) writeFileSync(join(configDir, `${name}.yaml`), mine.config);
    else cpSync(join(root, 'content/experiments', `${name}.yaml`), join(configDir, `${name}.yaml`));
    const from = join(mine ? mine.artifacts : quickDir, name);
    if (existsSync(from)) cpSync(from, join(artifacts, name), { recursive: true });
  }
  return { configDir, artifacts };
}
