/**
 * A stage under faults: a full disk, an artifacts directory that is a file,
 * two runs of one stage at once, more worker threads asked for than there
 * are runs, and a stage that must wait for a core another process holds. Each one ends in a message and an exit code, and nothing that was
 * there before is lost (docs/reliability.md lists them all).
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spec } from '../../pipeline/src/stages/minimal-ratio/spec.ts';
import { spec as simulateFunction } from '../../pipeline/src/stages/simulate-function/spec.ts';
import { readStageArtifact, root, runCli, runStageWith, tempDir, tinyConfig, tmpfs } from '../helpers/helpers.ts';

/** Seconds of work: a few runs of the minimal-ratio network. */
const tiny = tinyConfig('minimal-ratio', { runs: 2, 'phase1.epochs': 40, 'phase2.maxSteps': 5 });

describe('a full disk', () => {
  const mounted = tmpfs(256);
  const mount = mounted ?? '';

  // Skipped (and counted as skipped) where no tmpfs can be mounted.
  it.skipIf(mounted === null)('keeps the previous artifact, exits 2 naming the disk, and leaves no temporary file (a 256 KB tmpfs)', () => {
    // A good artifact first, then the disk filled so the next one cannot fit.
    const first = runStageWith('minimal-ratio', tiny);
    const previous = readFileSync(join(first.artifacts, 'minimal-ratio/artifact.json'));
    mkdirSync(join(mount, 'minimal-ratio'));
    writeFileSync(join(mount, 'minimal-ratio/artifact.json'), previous);
    const fd = openSync(join(mount, 'filler'), 'w');
    try {
      const block = Buffer.alloc(1024);
      for (;;) writeSync(fd, block);
    } catch {
      // Full: fewer than 1024 bytes are left, far less than an artifact.
    } finally {
      closeSync(fd);
    }
    const r = runCli(['minimal-ratio'], { HW1_CONFIG_DIR: first.configDir, HW1_ARTIFACTS_DIR: mount });
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`no space left on the disk holding ${mount}/minimal-ratio.*the previous file, if any, is unchanged`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).not.toMatch(/done in/);
    expect(readFileSync(join(mount, 'minimal-ratio/artifact.json')).equals(previous)).toBe(true);
    expect(readdirSync(join(mount, 'minimal-ratio'))).toEqual(['artifact.json']);
  });
});

describe('an artifacts directory that cannot be used', () => {
  it('stops before any training, with exit 2 and the path, when HW1_ARTIFACTS_DIR names a file', () => {
    const file = join(tempDir(), 'not-a-directory');
    writeFileSync(file, 'mine');
    const configDir = tempDir();
    writeFileSync(join(configDir, 'minimal-ratio.yaml'), tiny);
    const r = runCli(['minimal-ratio'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: file });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /cannot use .*not-a-directory\/minimal-ratio for the artifact of stage "minimal-ratio": .* a file is in the way.* \(ENOTDIR\); check HW1_ARTIFACTS_DIR/,
    );
    expect(r.stdout).not.toMatch(/backend/);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });
});

/**
 * Another process holding the only core slot of `cores`, resolved once it holds it: it lets go when told, or by
 * itself after `ms` (for a test that then blocks on a synchronous run).
 */
async function holdTheCore(cores: NodeJS.ProcessEnv, ms?: number): Promise<{ release(): void }> {
  const coresModule = pathToFileURL(join(root, 'pipeline/src/runtime/cores.ts')).href;
  const script = `import { tryAcquireCore } from ${JSON.stringify(coresModule)};
    const c = tryAcquireCore(); if (!c) process.exit(3); console.log('held');
    const done = () => { c.release(); process.exit(0); };
    process.stdin.once('data', done); process.stdin.once('end', done); ${ms === undefined ? '' : `setTimeout(done, ${ms});`}`;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...cores }, stdio: ['pipe', 'pipe', 'inherit'] });
  // A holder that let go by itself may be gone when told: its closed pipe is no error.
  holder.stdin.on('error', () => {});
  await new Promise((resolve) => holder.stdout.once('data', resolve));
  return {
    release() {
      if (holder.exitCode === null) holder.stdin.end('release\n');
    },
  };
}

describe('two runs of one stage at once', () => {
  it('lets one write the artifact and stops the other with the first one’s pid', async () => {
    const configDir = tempDir();
    const artifacts = tempDir();
    writeFileSync(join(configDir, 'minimal-ratio.yaml'), tiny);
    // The first run holds the stage while it waits for the only core, which a stand-in holds until told:
    // the second then starts while the first certainly runs, however fast training is.
    const cores = { HW1_CORES: '1', HW1_CORES_DIR: tempDir() };
    const holder = await holdTheCore(cores);
    const start = (onOutput?: (text: string) => void) =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(root, 'pipeline/src/bin/stage.ts'), 'minimal-ratio'], {
          cwd: join(root, 'pipeline'),
          env: { ...process.env, ...cores, HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_PROFILE: 'full' },
        });
        let stderr = '';
        let stdout = '';
        child.stdout.on('data', (d) => {
          stdout += d;
          onOutput?.(stdout);
        });
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        child.on('close', (status) => resolve({ status, stderr }));
      });
    let waiting: () => void;
    const firstWaits = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const first = start((out) => {
      if (/waiting for a free core/.test(out)) waiting();
    });
    await firstWaits;
    const second = await start();
    holder.release();
    const results = [await first, second];
    expect(results.map((r) => r.status)).toEqual([0, 2]);
    expect(second.stderr).toMatch(/stage "minimal-ratio" \(writing .*\) is already running in this checkout \(pid \d+, since/);
    expect(readStageArtifact(artifacts, spec).data.runs).toHaveLength(2);
  });
});

describe('worker threads', () => {
  it('says how many threads actually run, whatever HW1_WORKERS asks for', () => {
    // Four models: four ensembles, so four threads at most.
    const { run } = runStageWith('simulate-function', tinyConfig('simulate-function', { seeds: [1], epochs: 5 }), { HW1_WORKERS: '1000' });
    expect(run.stdout).toMatch(/4 ensembles on 4 worker threads/);
    expect(run.stdout).not.toMatch(/1000/);
  });
});

describe('stages side by side share the cores', () => {
  it('waits for a core another process holds, says so, and then runs every job', async () => {
    const cores = { HW1_CORES: '1', HW1_CORES_DIR: tempDir() };
    // Another "stage" holds the only core for two seconds.
    const holder = await holdTheCore(cores, 2000);
    const { run, artifacts } = runStageWith('simulate-function', tinyConfig('simulate-function', { seeds: [1], epochs: 5 }), { ...cores, HW1_WORKERS: '2' });
    expect(run.stdout).toMatch(/waiting for a free core: all 1 are training other runs \(HW1_CORES; core-0\.lock: pid \d+ \(in .*\)\)/);
    expect(run.stdout.match(/waiting for a free core/g)).toHaveLength(1);
    expect(readStageArtifact(artifacts, simulateFunction).data.functions[0]!.results).toHaveLength(4);
    holder.release();
  });
});

describe('garbage in the core-slot folder', () => {
  it('takes over a slot lock naming a live process that never wrote it, skips a slot lock that is a folder with a warning, and finishes', () => {
    const dir = tempDir();
    const cores = { HW1_CORES: '2', HW1_CORES_DIR: dir };
    // "printf 1 > core-0.lock": pid 1 runs, but this lock records no start time, so it is no stage's.
    writeFileSync(join(dir, 'core-1.lock'), '1');
    // A slot lock that is a folder: skipped, and said.
    mkdirSync(join(dir, 'core-0.lock'));
    const { run } = runStageWith('simulate-function', tinyConfig('simulate-function', { seeds: [1], epochs: 5 }), { ...cores, HW1_WORKERS: '1' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/warning: core slot 0 skipped: .*core-0\.lock is a directory, not a lock file/);
    expect(run.stdout).not.toMatch(/waiting for a free core/);
    expect(run.stdout + run.stderr).not.toMatch(/TypeError|\n\s+at /);
  });

  it('stops with exit 2 naming HW1_CORES_DIR when it is a file, before any training', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'mine');
    const configDir = tempDir();
    writeFileSync(join(configDir, 'simulate-function.yaml'), tinyConfig('simulate-function', { seeds: [1], epochs: 5 }));
    const run = runCli(['simulate-function'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: tempDir(), HW1_CORES_DIR: file });
    expect(run.status, run.stdout + run.stderr).toBe(2);
    expect(run.stdout).not.toMatch(/run 1\//);
    expect(run.stderr).toMatch(/HW1_CORES_DIR=.*a-file cannot hold files: a file is in the way: .* \(ENOTDIR\); set HW1_CORES_DIR to a directory of your own/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });
});
