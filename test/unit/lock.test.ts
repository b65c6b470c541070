/**
 * Locks between processes: many processes asking at the same instant hold
 * the lock one at a time; a lock left by a dead process, or holding no pid,
 * is taken over; a live holder is named.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireLock, BadLockError, LockedError, startTime, waitForLock } from '../../pipeline/src/core/lock.ts';
import { tempDir } from '../helpers/helpers.ts';

const lockModule = pathToFileURL(join(import.meta.dirname, '../../pipeline/src/core/lock.ts')).href;

/**
 * A process that waits for the lock, holds it `hold` ms (or, if `hold` is a
 * path, until that file exists), and appends "enter"/"leave" lines with its
 * pid to `log`.
 */
function contender(file: string, log: string, hold: number | string): Promise<number | null> {
  const wait =
    typeof hold === 'number'
      ? `await new Promise((r) => setTimeout(r, ${hold}));`
      : `for (let i = 0; i < 1200 && !existsSync(${JSON.stringify(hold)}); i++) await new Promise((r) => setTimeout(r, 100));`;
  const script = `
    import { appendFileSync, existsSync } from 'node:fs';
    import { waitForLock } from ${JSON.stringify(lockModule)};
    const lock = await waitForLock(${JSON.stringify(file)}, 'a test', () => {}, { every: 1e9, timeout: 120_000 });
    appendFileSync(${JSON.stringify(log)}, 'enter ' + process.pid + '\\n');
    ${wait}
    appendFileSync(${JSON.stringify(log)}, 'leave ' + process.pid + '\\n');
    lock.release();
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
    child.on('close', resolve);
  });
}

describe('locks between processes', () => {
  it('lets processes that ask at the same instant hold it one at a time', async () => {
    const dir = tempDir();
    const file = join(dir, 'locks', 'shared.lock');
    const log = join(dir, 'log');
    writeFileSync(log, '');
    const n = 6;
    const codes = await Promise.all(Array.from({ length: n }, () => contender(file, log, 100)));
    expect(codes).toEqual(Array(n).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2 * n);
    // Held one at a time: every "enter" is followed by the same process's "leave".
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^enter \d+$/);
      expect(lines[i + 1]).toBe((lines[i] ?? '').replace('enter', 'leave'));
    }
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(join(dir, 'locks'))).toEqual([]);
  }, 300_000);

  it('records its pid and when its process started', () => {
    const file = join(tempDir(), 'mine.lock');
    const lock = acquireLock(file, 'a test');
    const start = startTime(process.pid);
    // Linux tells start times (/proc); elsewhere the lock says "-" and a live pid is trusted.
    if (process.platform === 'linux') expect(start).toMatch(/^\d+$/);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid} ${start ?? '-'}\n`);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock whose process is gone, whose pid is now another process’s, or that holds no pid', () => {
    const dir = tempDir();
    const file = join(dir, 'stale.lock');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const contents = [gone.stdout, `${gone.stdout} 12345\n`, '', 'not a pid', 'null'];
    // A live process that never wrote this lock: pid 1 without a start time ("printf 1 > …"), or with another one.
    if (startTime(1) !== null) contents.push('1', '1\n', `1 ${Number(startTime(1)) + 1}\n`);
    for (const content of contents) {
      writeFileSync(file, content);
      const lock = acquireLock(file, 'a test');
      expect(readFileSync(file, 'utf8'), JSON.stringify(content)).toMatch(new RegExp(`^${process.pid} `));
      lock.release();
      expect(existsSync(file)).toBe(false);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('reads a live holder’s pid with a trailing newline as its pid', () => {
    const file = join(tempDir(), 'held.lock');
    if (startTime(1) === null) return;
    writeFileSync(file, `1 ${startTime(1)}\n`);
    expect(() => acquireLock(file, 'the test build')).toThrow(/the test build is already running in this checkout \(pid 1, since/);
    // A lock outside the checkout (a dataset fetch's, in the data folder) says where in its own words.
    expect(() => acquireLock(file, 'a fetch of tiny into /data', '')).toThrow(/^a fetch of tiny into \/data is already running \(pid 1, since/);
  });

  it('refuses a lock name that is not a file, naming it, and leaves it there', () => {
    const file = join(tempDir(), 'dir.lock');
    mkdirSync(file);
    writeFileSync(join(file, 'theirs'), 'keep');
    expect(() => acquireLock(file, 'a test')).toThrow(BadLockError);
    expect(() => acquireLock(file, 'a test')).toThrow(/dir\.lock is a directory, not a lock file; remove it if nothing is running/);
    expect(readFileSync(join(file, 'theirs'), 'utf8')).toBe('keep');
  });

  it('names a live holder, and waits for it when asked to', async () => {
    const dir = tempDir();
    const file = join(dir, 'held.lock');
    const log = join(dir, 'log');
    writeFileSync(log, '');
    const go = join(dir, 'go');
    const holder = contender(file, log, go);
    for (let i = 0; i < 600 && !readFileSync(log, 'utf8'); i++) await new Promise((r) => setTimeout(r, 100));
    const pid = readFileSync(log, 'utf8').match(/enter (\d+)/)?.[1];
    expect(pid).toBeDefined();
    expect(() => acquireLock(file, 'the test build')).toThrow(LockedError);
    expect(() => acquireLock(file, 'the test build')).toThrow(new RegExp(`the test build is already running in this checkout \\(pid ${pid}, since`));
    const said: string[] = [];
    const waiting = waitForLock(file, 'the test build', (line) => said.push(line), { timeout: 120_000 });
    writeFileSync(go, '');
    const lock = await waiting;
    expect(said).toEqual([`waiting: the test build is running in this checkout (pid ${pid}, lock ${file})`]);
    expect(readFileSync(log, 'utf8')).toMatch(/leave/);
    lock.release();
    expect(await holder).toBe(0);
  }, 300_000);
});
