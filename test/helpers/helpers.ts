/**
 * Shared test plumbing: temp dirs, configs edited as YAML, running the stage
 * CLI and building the site as a user would.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, inject } from 'vitest';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Artifact, readArtifact } from '../../pipeline/src/core/artifact.ts';
import { stageList } from '../../pipeline/src/stages/registry.ts';

export const root = resolve(import.meta.dirname, '../..');

const created: string[] = [];
const mounts: string[] = [];
// Registered once per test file at import, so dirs made (and tmpfs mounted) inside tests are removed too.
afterAll(() => {
  for (const dir of mounts.splice(0)) spawnSync('umount', [dir]);
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A small tmpfs (`size` in KB; `readOnly` mounts it read-only), unmounted when
 * the test file ends, or null where none can be mounted: mounting needs root
 * and a kernel that allows it (CI runs as root). Tests that need one skip,
 * counted as skipped, when it is null.
 */
export function tmpfs(size: number, readOnly = false): string | null {
  const dir = tempDir('hw1-tmpfs-');
  const options = `size=${size}k${readOnly ? ',ro' : ''}`;
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' }).status !== 0) return null;
  mounts.push(dir);
  return dir;
}

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

/** An empty per-user cache for the commands tests run: datasets a developer fetched into ~/.cache are not seen by them. */
let emptyUserCache: string | undefined;

const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HW1_')) delete env[k];
  emptyUserCache ??= tempDir('hw1-xdg-cache-');
  env.XDG_CACHE_HOME = emptyUserCache;
  return env;
};

const stageCli = join(root, 'pipeline/src/bin/stage.ts');

/** `node pipeline/src/bin/stage.ts …` (npm run stage) with the project's Node, env on top of a clean HW1_* slate. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [stageCli, ...args], {
    cwd: join(root, 'pipeline'),
    env: { ...baseEnv(), ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The report built into `out` as `npm run --workspace @hw1/site report`
 * builds it (site/scripts/build.ts: beside the output, swapped in when
 * complete; builds in one checkout take turns through its lock).
 */
export function buildSite(out: string, env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [join(root, 'site/scripts/build.ts')], {
    cwd: join(root, 'site'),
    env: { ...baseEnv(), HW1_SITE_OUT: out, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every stage's spec, from the registry, in report order. */
export { stageList };

/** Runs `file` (a script of the project) on this Node without blocking the event loop (a server in the test keeps answering); its output and exit code. */
export function runAsync(file: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], options);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const runCliAsync = (args: string[], env: NodeJS.ProcessEnv): Promise<Result> =>
  runAsync(stageCli, args, { cwd: join(root, 'pipeline'), env: { ...baseEnv(), ...env } });

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
 * `name` computed once per test run into a directory of the run's shared
 * scratch directory (test/helpers/global-setup.ts): the first test file to
 * ask computes it while the others wait; a failure is remembered, so the
 * others fail at once with the same message instead of computing it again.
 */
async function sharedOnce(name: string, compute: (dir: string) => Promise<void> | void): Promise<string> {
  const shared = inject('sharedDir');
  if (!shared) throw new Error('no shared directory: test/helpers/global-setup.ts did not run (is it the root globalSetup of vitest.config.ts?)');
  const dir = join(shared, name);
  const done = join(shared, `${name}.done`);
  const failed = join(shared, `${name}.failed`);
  const lock = join(shared, `${name}.lock`);
  for (;;) {
    if (existsSync(done)) return dir;
    if (existsSync(failed)) throw new Error(readFileSync(failed, 'utf8'));
    try {
      mkdirSync(lock);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      await sleep(500);
      continue;
    }
    try {
      rmSync(dir, { recursive: true, force: true });
      await compute(dir);
      writeFileSync(done, '');
      return dir;
    } catch (err) {
      writeFileSync(failed, `${name} (computed once for the whole test run) failed: ${(err as Error).message}`);
      throw err;
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
export const quickArtifacts = (): Promise<string> => sharedOnce('quick', runQuickStages);

/**
 * The quick report: the site built once per test run from the quick
 * artifacts and the shipped configs. Read it, never write to it.
 */
export const quickSite = async (): Promise<string> => {
  const quick = await quickArtifacts();
  return sharedOnce('quick-site', (out) => {
    const ws = siteWorkspace(quick);
    const site = buildSite(out, { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir });
    if (site.status !== 0) throw new Error(`the quick site did not build:\n${site.stdout}\n${site.stderr}`);
  });
};

/**
 * A config directory and an artifacts directory for a site build: each stage
 * in `own` with the given config text and the artifact from its directory,
 * every other stage with its shipped config and the artifact from `quickDir`.
 */
export function siteWorkspace(
  quickDir: string,
  own: ReadonlyArray<{ stage: string; config: string; artifacts: string }> = [],
): { configDir: string; artifacts: string } {
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

// ---- configs, edited as YAML (never by replacing lines of the shipped text, which a user may edit) ----

/** The shipped config of a stage (content/experiments/<stage>.yaml), as text. */
export function shippedConfig(stage: string): string {
  return readFileSync(join(root, 'content/experiments', `${stage}.yaml`), 'utf8');
}

/** The shipped config of a stage, parsed: what its fields hold now (any shape a user gives them). */
// biome-ignore lint/suspicious/noExplicitAny: a config's fields, read by tests that know its shape
export function shippedFields(stage: string): Record<string, any> {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  return parseDocument(shippedConfig(stage)).toJS() as Record<string, any>;
}

const pathOf = (key: string): Array<string | number> => key.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));

/**
 * The YAML text with fields set, keyed by dotted path ("phase1.epochs",
 * "models.1.hidden"; numbers index lists); `undefined` deletes a field, which
 * must exist. Comments and the other fields are kept.
 */
export function editConfig(text: string, edits: Record<string, unknown>): string {
  const doc = parseDocument(text);
  for (const [key, value] of Object.entries(edits)) {
    const path = pathOf(key);
    if (value === undefined) {
      if (!doc.hasIn(path)) throw new Error(`editConfig: no field ${key} to delete`);
      doc.deleteIn(path);
    } else {
      doc.setIn(path, doc.createNode(value));
    }
  }
  return doc.toString();
}

/**
 * A stage's shipped config without its profiles (so any profile runs it as
 * written), with top-level fields replaced; each must exist in the shipped
 * config, so a renamed field fails here by name rather than as a config error.
 */
export function tinyConfig(stage: string, edits: Record<string, unknown> = {}): string {
  const fields = shippedFields(stage);
  for (const key of Object.keys(edits)) {
    const top = key.split('.')[0]!;
    if (!(top in fields)) throw new Error(`no field ${top} in content/experiments/${stage}.yaml`);
  }
  return editConfig(shippedConfig(stage), { ...edits, ...('profiles' in fields ? { profiles: undefined } : {}) });
}

// ---- stages run through the CLI with a config of the test's ----

/** Runs `stage` through the CLI with `config` as its config file, into a fresh artifacts directory; throws with the log if it fails. */
export function runStageWith(stage: string, config: string, env: NodeJS.ProcessEnv = {}): { configDir: string; artifacts: string; run: Result } {
  const configDir = tempDir();
  const artifacts = tempDir();
  writeFileSync(join(configDir, `${stage}.yaml`), config);
  const run = runCli([stage], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, ...env });
  if (run.status !== 0) throw new Error(`${stage} failed:\n${run.stdout}\n${run.stderr}`);
  return { configDir, artifacts, run };
}

/** A stage's artifact in `artifacts`, validated by its spec. */
export function readStageArtifact<D extends z.ZodType>(artifacts: string, spec: { name: string; schemaVersion: number; dataSchema: D }): Artifact<z.output<D>> {
  return readArtifact(join(artifacts, spec.name, 'artifact.json'), spec.name, spec.schemaVersion, spec.dataSchema);
}

/** The stage stops on `config` before any training: exit code 2, the file and `message` in its error, no stack trace, no artifact. */
export function expectConfigError(stage: string, config: string, message: RegExp): void {
  const configDir = tempDir();
  const artifacts = tempDir();
  writeFileSync(join(configDir, `${stage}.yaml`), config);
  const r = runCli([stage], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts });
  expect(r.status, r.stdout + r.stderr).toBe(2);
  expect(r.stderr).toContain(`${stage}.yaml`);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).not.toMatch(/run 1\//);
  expect(existsSync(join(artifacts, stage))).toBe(false);
}

/** git in `repo` as a test runs it: a fixed author, no signing; its output trimmed (throws with git's message on failure). */
export const git = (repo: string, ...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@localhost', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    encoding: 'utf8',
  }).trim();
