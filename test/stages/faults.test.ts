/**
 * A stage under faults: a full disk, an artifacts directory that is a file,
 * two runs of one stage at once, and more worker threads asked for than there
 * are runs. Each one ends in a message and an exit code, and nothing that was
 * there before is lost (docs/reliability.md lists them all).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spec } from '../../pipeline/src/stages/minimal-ratio/spec.ts';
import { readStageArtifact, root, runCli, runStageWith, tempDir, tinyConfig } from '../helpers/helpers.ts';

/** Seconds of work: a few runs of the minimal-ratio network. */
const tiny = tinyConfig('minimal-ratio', { runs: 2, 'phase1.epochs': 40, 'phase2.maxSteps': 5 });

describe('a full disk', () => {
  const mount = tempDir('hw1-tmpfs-');
  // Mounting needs root and a kernel that allows it (CI runs as root); elsewhere this test says why it skips.
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mount], { encoding: 'utf8' }).status === 0;
  afterAll(() => {
    if (mounted) spawnSync('umount', [mount]);
  });

  // Skipped (and counted as skipped) where no tmpfs can be mounted.
  it.skipIf(!mounted)('keeps the previous artifact, exits 2 naming the disk, and leaves no temporary file (a 256 KB tmpfs)', () => {
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

describe('two runs of one stage at once', () => {
  it('lets one write the artifact and stops the other with the first one’s pid', async () => {
    const configDir = tempDir();
    const artifacts = tempDir();
    writeFileSync(join(configDir, 'minimal-ratio.yaml'), tiny);
    const start = () =>
      new Promise<{ status: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(root, 'pipeline/src/bin/stage.ts'), 'minimal-ratio'], {
          cwd: join(root, 'pipeline'),
          env: { ...process.env, HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_PROFILE: 'full' },
        });
        let stderr = '';
        child.stderr.on('data', (d) => {
          stderr += d;
        });
        child.on('close', (status) => resolve({ status, stderr }));
      });
    const results = await Promise.all([start(), start()]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([0, 2]);
    const refused = results.find((r) => r.status === 2)!;
    expect(refused.stderr).toMatch(/stage "minimal-ratio" \(writing .*\) is already running in this checkout \(pid \d+, since/);
    expect(readStageArtifact(artifacts, spec).data.runs).toHaveLength(2);
  });
});

describe('worker threads', () => {
  it('says how many threads actually run, whatever HW1_WORKERS asks for', () => {
    const { run } = runStageWith('minimal-ratio', tiny, { HW1_WORKERS: '1000' });
    expect(run.stdout).toMatch(/2 runs on 2 worker threads/);
    expect(run.stdout).not.toMatch(/1000/);
  });
});
