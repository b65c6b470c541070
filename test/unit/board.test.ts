/**
 * runtime/board.ts: one progress line over every stage running on the machine,
 * printed by one of them; the overall ETA withheld until every stage has its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../pipeline/src/core/progress.ts';
import { boardDir, joinBoard, overallLine, readBoard } from '../../pipeline/src/runtime/board.ts';
import { tempDir } from '../helpers/helpers.ts';

describe('the progress board', () => {
  it('names every stage, and gives an overall ETA only when each has one (the longest)', () => {
    const line = overallLine([
      { stage: 'simulate-function', pid: 1, start: '-', done: 0.62, etaSeconds: 65, training: true },
      { stage: 'minimal-ratio', pid: 2, start: '-', done: 0.2, etaSeconds: null, training: true },
      { stage: 'flatness-sensitivity', pid: 3, start: '-', done: 0, etaSeconds: null, training: false },
    ]);
    expect(line).toBe(
      '[report] 3 stages: simulate-function 62% (ETA 1 min 5 s), minimal-ratio 20% (after warm-up), flatness-sensitivity not training yet · ETA once every stage has trained a while',
    );
    expect(
      overallLine([
        { stage: 'a', pid: 1, start: '-', done: 0.5, etaSeconds: 30, training: true },
        { stage: 'b', pid: 2, start: '-', done: 0.1, etaSeconds: 200, training: true },
      ]),
    ).toMatch(/ · ETA 3 min 20 s$/);
  });

  it('lets one stage print the line, every so often, and only with another stage beside it', () => {
    const env = { HW1_CORES_DIR: tempDir() };
    let t = 0;
    const now = () => t;
    const a = joinBoard('simulate-function', { env, every: 15, now });
    // Alone on the board: nothing to add to its own lines.
    t = 20;
    a.report({ done: 0.1, etaSeconds: null, training: true });
    expect(a.overall()).toBeNull();
    const b = joinBoard('minimal-ratio', { env, every: 15, now });
    t = 40;
    a.report({ done: 0.5, etaSeconds: 40, training: true });
    b.report({ done: 0.25, etaSeconds: 90, training: true });
    // The first to ask leads; the other prints nothing.
    expect(a.overall()).toBe('[report] 2 stages: minimal-ratio 25% (ETA 1 min 30 s), simulate-function 50% (ETA 40 s) · ETA 1 min 30 s');
    t = 60;
    expect(b.overall()).toBeNull();
    // Not again before 15 s have passed.
    t = 50;
    expect(a.overall()).toBeNull();
    // A leader with nothing training (waiting for a core) hands over.
    t = 70;
    a.report({ done: 0.5, etaSeconds: null, training: false });
    expect(b.overall()).toMatch(/^\[report\] 2 stages: minimal-ratio 25% .*simulate-function 50% \(after warm-up\)/);
    a.leave();
    b.leave();
    expect(readdirSync(boardDir(env)).filter((n) => n.endsWith('.json'))).toEqual([]);
  });

  it('keeps one board per artifacts directory: another report’s stages, or a test’s, are not on it', () => {
    const cores = tempDir();
    const here = joinBoard('simulate-function', { env: { HW1_CORES_DIR: cores } });
    const elsewhere = joinBoard('minimal-ratio', { env: { HW1_CORES_DIR: cores, HW1_ARTIFACTS_DIR: tempDir() } });
    expect(readBoard(boardDir({ HW1_CORES_DIR: cores })).map((s) => s.stage)).toEqual(['simulate-function']);
    here.leave();
    elsewhere.leave();
  });

  it('skips what is not a stage’s status, naming each once, and keeps the line', () => {
    const env = { HW1_CORES_DIR: tempDir() };
    let t = 0;
    const said: string[] = [];
    const me = joinBoard('train-on-tasks', { env, every: 15, now: () => t, warn: (m) => said.push(m) });
    const other = joinBoard('random-labels', { env, every: 15, now: () => t });
    const dir = boardDir(env);
    writeFileSync(join(dir, 'null.json'), 'null');
    writeFileSync(join(dir, 'half.json'), '{"stage":');
    writeFileSync(join(dir, 'fields.json'), JSON.stringify({ stage: 'x', pid: 'me', done: 2 }));
    mkdirSync(join(dir, 'folder.json'));
    me.report({ done: 0.5, etaSeconds: 10, training: true });
    other.report({ done: 0.5, etaSeconds: 20, training: true });
    for (const step of [20, 40]) {
      t = step;
      expect(me.overall()).toBe('[report] 2 stages: random-labels 50% (ETA 20 s), train-on-tasks 50% (ETA 10 s) · ETA 20 s');
    }
    expect(said.sort()).toEqual(
      [
        `the progress board skips ${join(dir, 'fields.json')}: it is not a stage's status`,
        `the progress board skips ${join(dir, 'folder.json')}: it is a directory`,
        `the progress board skips ${join(dir, 'half.json')}: it is not JSON`,
        `the progress board skips ${join(dir, 'null.json')}: it is not a stage's status`,
      ].sort(),
    );
    me.leave();
    other.leave();
  });

  it('runs without a board, saying why, where its folder cannot be made', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const said: string[] = [];
    const board = joinBoard('train-on-tasks', { env: { HW1_CORES_DIR: file }, warn: (m) => said.push(m) });
    board.report({ done: 0.5, etaSeconds: 10, training: true });
    expect(board.overall()).toBeNull();
    board.leave();
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^no progress line over the stages: HW1_CORES_DIR=.*a-file cannot hold files: a file is in the way/);
  });

  it('drops a stage whose process is gone', () => {
    const env = { HW1_CORES_DIR: tempDir() };
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const file = join(boardDir(env), `random-labels.${dead}.json`);
    const me = joinBoard('train-on-tasks', { env });
    writeFileSync(file, JSON.stringify({ stage: 'random-labels', pid: dead, start: '1', done: 0.3, etaSeconds: 10, training: true }));
    expect(readBoard(boardDir(env)).map((s) => s.stage)).toEqual(['train-on-tasks']);
    expect(existsSync(file)).toBe(false);
    me.leave();
  });

  it('is told each stage’s share done, ETA and whether it trains, and its line printed between the stage’s own', () => {
    const told: { done: number; etaSeconds: number | null; training: boolean }[] = [];
    let text = '';
    let t = 0;
    let due = false;
    const log = createLogger(
      { write: (s: string) => (text += s), isTTY: false },
      {
        prefix: '[demo]',
        now: () => t,
        report: (s) => told.push(s),
        // Due once, from the 50th step: printed at the next update that tells the board.
        overall: () => {
          if (!due) return null;
          due = false;
          return '[report] 2 stages: …';
        },
      },
    );
    const run = log.progress(100, 'epoch').start('run', 100);
    for (let e = 1; e <= 100; e++) {
      t += 0.1;
      if (e === 50) due = true;
      run.update(e, 'loss 1');
    }
    run.end('done');
    expect(told[0]).toEqual({ done: 0, etaSeconds: null, training: true });
    expect(told.at(-1)).toEqual({ done: 1, etaSeconds: 0, training: false });
    expect(told.find((s) => s.etaSeconds !== null)!.etaSeconds).toBeGreaterThan(0);
    expect(text.split('\n').filter((l) => l === '[report] 2 stages: …')).toHaveLength(1);
    // Told at most twice a second (10 s of steps of 0.1 s: about 20 times, not 100), and when training stopped.
    expect(told.length).toBeGreaterThan(10);
    expect(told.length).toBeLessThan(30);
  });
});
