/**
 * The dev server's live data (site/src/lib/data/live.ts), on a stand-in for
 * Vite's server: the plugin reloads the open pages when an artifact appears,
 * also when the file watcher never reports the file (it reads a new folder
 * before it watches it, so a stage's rename into a folder it has just made
 * can fall between the two), and reloads once, not twice, when it does.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin, ViteDevServer } from 'vite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { liveDataPlugin, liveGeneration, NEW_FOLDER_LOOKS } from '../../site/src/lib/data/live.ts';
import { tempDir } from '../helpers/helpers.ts';

interface StandIn {
  watcher: EventEmitter;
  logged: string[];
  reloads: number;
}

/** The plugin's configureServer run on a stand-in server: a watcher we drive by hand, a logger and a socket that record. */
function serve(): StandIn {
  const watcher = Object.assign(new EventEmitter(), { add: () => watcher });
  const standIn: StandIn = { watcher, logged: [], reloads: 0 };
  const server = {
    watcher,
    config: { logger: { info: (msg: string) => standIn.logged.push(msg) } },
    ws: { send: () => standIn.reloads++ },
  } as unknown as ViteDevServer;
  const plugin: Plugin = liveDataPlugin();
  (plugin.configureServer as (s: ViteDevServer) => void)(server);
  return standIn;
}

describe('npm run dev’s live data', () => {
  let artifacts: string;
  const saved = process.env.HW1_ARTIFACTS_DIR;

  beforeEach(() => {
    artifacts = join(tempDir('hw1-live-'), 'artifacts');
    process.env.HW1_ARTIFACTS_DIR = artifacts;
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    if (saved === undefined) delete process.env.HW1_ARTIFACTS_DIR;
    else process.env.HW1_ARTIFACTS_DIR = saved;
  });

  /** A stage's artifact written into a folder that did not exist: its path. */
  const writeArtifact = (stage: string) => {
    mkdirSync(join(artifacts, stage), { recursive: true });
    const file = join(artifacts, stage, 'artifact.json');
    writeFileSync(file, '{}');
    return file;
  };

  it('reloads the page for an artifact renamed into a new folder that the watcher never reported', () => {
    const s = serve();
    const before = liveGeneration()!;
    const file = writeArtifact('simulate-function');
    // The watcher saw the folder appear, and nothing after.
    s.watcher.emit('addDir', artifacts);
    s.watcher.emit('addDir', join(artifacts, 'simulate-function'));
    vi.advanceTimersByTime(NEW_FOLDER_LOOKS.at(-1)! + 1_000);
    expect(s.logged).toEqual([expect.stringContaining(`data changed (${file}): reloading the page`)]);
    expect(s.reloads).toBe(1);
    expect(liveGeneration()).toBeGreaterThan(before);
  });

  it('reloads once for an artifact the watcher did report, and again when it is written again', () => {
    const s = serve();
    const file = writeArtifact('random-labels');
    s.watcher.emit('addDir', join(artifacts, 'random-labels'));
    s.watcher.emit('add', file);
    vi.advanceTimersByTime(NEW_FOLDER_LOOKS.at(-1)! + 1_000);
    expect(s.reloads).toBe(1);
    writeFileSync(file, '{"again":true}');
    s.watcher.emit('change', file);
    vi.advanceTimersByTime(1_000);
    expect(s.reloads).toBe(2);
  });

  it('ignores folders outside the artifacts and files that are not artifacts', () => {
    const s = serve();
    const elsewhere = join(artifacts, '..', 'elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(join(elsewhere, 'artifact.json'), '{}');
    s.watcher.emit('addDir', elsewhere);
    mkdirSync(join(artifacts, 'depth'), { recursive: true });
    writeFileSync(join(artifacts, 'depth', 'artifact.json.123.tmp'), '{');
    s.watcher.emit('addDir', join(artifacts, 'depth'));
    s.watcher.emit('add', join(artifacts, 'depth', 'artifact.json.123.tmp'));
    vi.advanceTimersByTime(NEW_FOLDER_LOOKS.at(-1)! + 1_000);
    expect(s.reloads).toBe(0);
    expect(s.logged).toEqual([]);
  });
});
