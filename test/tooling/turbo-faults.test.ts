/**
 * Where turbo's cache could lie, it cannot: a variable that moves a task's
 * files away from the paths turbo caches is refused under turbo, and a cache
 * entry tampered with on disk is replayed by turbo (it checks only sizes) but
 * never read as a result: its artifact fails its own result hash, and
 * `--force` recomputes it. In a scratch copy of the project, with a tiny stage.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../../pipeline/src/core/artifact.ts';
import { stageTask } from '../../pipeline/src/core/stage-task.ts';
import { spec } from '../../pipeline/src/stages/minimal-ratio/spec.ts';
import { root, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';

describe('turbo’s cache', () => {
  let dir: string;
  // Full logs unless `quiet`: the project's own setting (turbo.json's outputLogs) shows a cache hit in one line.
  const turbo = (args: string[], extra: NodeJS.ProcessEnv = {}, quiet = false) => {
    const env: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick', ...extra };
    for (const k of ['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR', 'HW1_SITE_OUT']) if (!(k in extra)) delete env[k];
    const r = spawnSync(join(root, 'node_modules/.bin/turbo'), [...args, ...(quiet ? [] : ['--output-logs=full'])], { cwd: dir, encoding: 'utf8', env });
    return { status: r.status, out: r.stdout + r.stderr };
  };
  const artifact = () => join(dir, 'cache/artifacts/minimal-ratio/artifact.json');
  const read = () => readArtifact(artifact(), 'minimal-ratio', spec.schemaVersion, spec.dataSchema);

  beforeAll(async () => {
    dir = await projectCopy();
    // Seconds of work, as the stage's own config in the copy (so it is what turbo hashes).
    writeFileSync(join(dir, 'content/experiments/minimal-ratio.yaml'), tinyConfig('minimal-ratio', { runs: 2, 'phase1.epochs': 40, 'phase2.maxSteps': 5 }));
  }, 300_000);

  it('refuses variables that move what a task reads or writes, before any work', () => {
    for (const [variable, task] of [
      ['HW1_ARTIFACTS_DIR', 'stage:minimal-ratio'],
      ['HW1_CONFIG_DIR', 'stage:minimal-ratio'],
    ] as const) {
      const r = turbo(['run', task], { [variable]: tempDir() });
      expect(r.status, variable).not.toBe(0);
      expect(r.out).toMatch(new RegExp(`${variable}=\\S+ moves the \\w+ away from .*Unset ${variable} for \`npx turbo run …\``));
    }
    const site = turbo(['run', 'report', '--only'], { HW1_SITE_OUT: tempDir() });
    expect(site.status).not.toBe(0);
    expect(site.out).toMatch(/HW1_SITE_OUT=\S+ moves the report away from site\/dist/);
    // "full" spelled out would be a second key for the results of the unset variable: refused, by stages and the site.
    for (const task of ['stage:minimal-ratio', 'report']) {
      const full = turbo(['run', task, '--only'], { HW1_PROFILE: 'full' });
      expect(full.status, task).not.toBe(0);
      expect(full.out).toMatch(/HW1_PROFILE: "full" is the default: unset HW1_PROFILE for turbo/);
    }
  });

  it('replays a tampered entry that is then refused as a result, until --force recomputes it', () => {
    const first = turbo(['run', 'stage:minimal-ratio']);
    expect(first.status, first.out).toBe(0);
    const good = read().data.runs[0]!.minimalRatio;

    // Change one digit of a result inside turbo's stored entry, keeping every size as it was.
    const cache = join(dir, 'cache/turbo');
    const entries = readdirSync(cache).filter((f) => f.endsWith('.tar.zst'));
    expect(entries).toHaveLength(1);
    const tar = zstdDecompressSync(readFileSync(join(cache, entries[0]!)));
    const text = tar.toString('latin1');
    const at = text.indexOf('"minimalRatio":') + '"minimalRatio":'.length;
    const digit = text.slice(at).search(/[1-9]/) + at;
    const tampered = Buffer.from(tar);
    tampered[digit] = text[digit] === '9' ? '8'.charCodeAt(0) : text.charCodeAt(digit) + 1;
    writeFileSync(join(cache, entries[0]!), zstdCompressSync(tampered));

    rmSync(join(dir, 'cache/artifacts/minimal-ratio'), { recursive: true });
    const replay = turbo(['run', 'stage:minimal-ratio']);
    expect(replay.status).toBe(0);
    expect(replay.out).toMatch(/cache hit/);
    expect(read).toThrow(/tampered or damaged artifact for stage "minimal-ratio".*`HW1_PROFILE=quick npx turbo run stage:minimal-ratio --force`/);

    const forced = turbo(['run', 'stage:minimal-ratio', '--force']);
    expect(forced.status, forced.out).toBe(0);
    expect(read().data.runs[0]!.minimalRatio).toBe(good);
    // And the entry turbo replays from now on is the recomputed one.
    rmSync(join(dir, 'cache/artifacts/minimal-ratio'), { recursive: true });
    expect(turbo(['run', 'stage:minimal-ratio']).out).toMatch(/cache hit/);
    expect(read().data.runs[0]!.minimalRatio).toBe(good);
    // As a user runs it: the hit in one line, not the old run's progress lines and ETAs.
    const quiet = turbo(['run', 'stage:minimal-ratio'], {}, true).out;
    expect(quiet).toMatch(/stage:minimal-ratio: cache hit, suppressing logs/);
    expect(quiet).not.toMatch(/ETA|ensemble 1\//);
  });

  // /proc names the processes of a task; elsewhere this test skips (and is counted as skipped).
  it.skipIf(process.platform !== 'linux')(
    'stops a stage whose task process was killed, writing no artifact for a task turbo reports failed',
    async () => {
      const config = join(dir, 'content/experiments/minimal-ratio.yaml');
      const tiny = readFileSync(config, 'utf8');
      // Minutes of work, so the task is surely running when its npm process is killed.
      writeFileSync(config, tinyConfig('minimal-ratio', { runs: 400, 'phase1.epochs': 600, 'phase2.maxSteps': 150 }));
      rmSync(join(dir, 'cache/artifacts/minimal-ratio'), { recursive: true, force: true });
      try {
        const env: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick' };
        for (const k of ['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR', 'HW1_SITE_OUT']) delete env[k];
        const run = spawn(join(root, 'node_modules/.bin/turbo'), ['run', 'stage:minimal-ratio', '--force', '--output-logs=full'], { cwd: dir, env });
        let out = '';
        run.stdout.on('data', (d) => {
          out += d;
        });
        run.stderr.on('data', (d) => {
          out += d;
        });
        const closed = new Promise<number | null>((resolve) => run.on('close', resolve));
        // The stage of this copy, once it trains.
        const stagePid = (): number | undefined =>
          readdirSync('/proc')
            .filter((p) => /^\d+$/.test(p))
            .map(Number)
            .find((pid) => {
              try {
                return (
                  readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/bin/stage.ts\0minimal-ratio') &&
                  readlinkSync(`/proc/${pid}/cwd`) === join(dir, stageTask('minimal-ratio').dir)
                );
              } catch {
                return false;
              }
            });
        const parent = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
        let stage: number | undefined;
        for (let i = 0; i < 1200 && (stage === undefined || !/step \d+\//.test(out)); i++) {
          stage ??= stagePid();
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(stage, out).toBeDefined();
        // The task's own process: npm, above `sh -c`, under turbo.
        const npm = parent(parent(stage!));
        expect(readFileSync(`/proc/${npm}/cmdline`, 'utf8')).toMatch(/^npm run stage:minimal-ratio/);
        process.kill(npm, 'SIGKILL');
        expect(await closed).not.toBe(0);
        // Liveness bound only: the stage checks every second.
        for (let i = 0; i < 600 && existsSync(`/proc/${stage}`); i++) await new Promise((r) => setTimeout(r, 100));
        expect(existsSync(`/proc/${stage}`)).toBe(false);
        expect(out).toMatch(/stopping: npm run stage:m.* \(pid \d+\), which runs this turbo task, is gone; no artifact is written/);
        expect(existsSync(join(dir, 'cache/artifacts/minimal-ratio/artifact.json'))).toBe(false);
      } finally {
        writeFileSync(config, tiny);
      }
    },
    300_000,
  );
});
