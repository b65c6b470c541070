/**
 * Core slots shared by every stage on the machine (runtime/cores.ts): at most
 * HW1_CORES runs train at once across processes, a process never takes the
 * same slot twice, a slot held by a live process is waited for, and one left
 * by a dead process is taken over.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { acquireCore, coreCount, slotHolders, tryAcquireCore } from '../../pipeline/src/runtime/cores.ts';
import { tempDir, tmpfs } from '../helpers/helpers.ts';

const coresModule = pathToFileURL(join(import.meta.dirname, '../../pipeline/src/runtime/cores.ts')).href;

/** A process that takes a core and holds it until `until` exists (at most two minutes); resolves once it holds it. */
function holder(env: NodeJS.ProcessEnv, until: string): Promise<{ done: Promise<number | null>; pid: number }> {
  const script = `
    import { chownSync, existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
    import { tryAcquireCore } from ${JSON.stringify(coresModule)};
    const core = tryAcquireCore();
    console.log(core ? 'held ' + core.slot : 'none');
    for (let i = 0; i < 1200 && !existsSync(${JSON.stringify(until)}); i++) await new Promise((r) => setTimeout(r, 100));
    core?.release();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    const done = new Promise<number | null>((r) => child.on('close', r));
    child.stdout.once('data', (chunk: Buffer) =>
      chunk.toString().startsWith('held') ? resolve({ done, pid: child.pid! }) : reject(new Error(chunk.toString())),
    );
  });
}

describe('core slots', () => {
  it('reads HW1_CORES and refuses nonsense', () => {
    expect(coreCount({ HW1_CORES: '3' })).toBe(3);
    expect(coreCount({})).toBeGreaterThan(0);
    expect(() => coreCount({ HW1_CORES: '0' })).toThrow(/HW1_CORES="0" is not a positive integer/);
    expect(() => coreCount({ HW1_CORES: 'all' })).toThrow(/HW1_CORES="all"/);
  });

  it('hands out each slot once in a process, and again after it is released', () => {
    const env = { HW1_CORES: '2', HW1_CORES_DIR: tempDir() };
    const a = tryAcquireCore(env)!;
    const b = tryAcquireCore(env)!;
    expect([a.slot, b.slot].sort()).toEqual([0, 1]);
    expect(tryAcquireCore(env)).toBeNull();
    a.release();
    const c = tryAcquireCore(env)!;
    expect(c.slot).toBe(a.slot);
    b.release();
    c.release();
  });

  it('waits for a core another process holds, and takes it when that process lets go', async () => {
    const env = { HW1_CORES: '1', HW1_CORES_DIR: tempDir() };
    const go = join(tempDir(), 'go');
    const other = await holder(env, go);
    expect(tryAcquireCore(env)).toBeNull();
    let waited = false;
    setTimeout(() => {
      import('node:fs').then((fs) => fs.writeFileSync(go, ''));
    }, 500);
    const core = await acquireCore({ env, waiting: () => (waited = true) });
    expect(waited).toBe(true);
    expect(core!.slot).toBe(0);
    core!.release();
    expect(await other.done).toBe(0);
  });

  it('takes over a slot whose process was killed', async () => {
    const env = { HW1_CORES: '1', HW1_CORES_DIR: tempDir() };
    const other = await holder(env, join(tempDir(), 'never'));
    expect(tryAcquireCore(env)).toBeNull();
    process.kill(other.pid, 'SIGKILL');
    await other.done;
    expect(existsSync(join(env.HW1_CORES_DIR, 'core-0.lock'))).toBe(true);
    const core = tryAcquireCore(env)!;
    expect(core.slot).toBe(0);
    core.release();
  });

  it('gives up waiting when told to', async () => {
    const env = { HW1_CORES: '1', HW1_CORES_DIR: tempDir() };
    const go = join(tempDir(), 'go');
    const other = await holder(env, go);
    let polls = 0;
    expect(await acquireCore({ env, cancelled: () => ++polls > 2 })).toBeNull();
    import('node:fs').then((fs) => fs.writeFileSync(go, ''));
    await other.done;
  });
});

describe('the core-slot folder, a shared place', () => {
  it('never writes through a link planted at a lock file’s private name', () => {
    const dir = tempDir();
    const victim = join(tempDir(), 'victim.txt');
    writeFileSync(victim, 'do not touch');
    symlinkSync(victim, join(dir, `core-0.lock.${process.pid}.tmp`));
    const core = tryAcquireCore({ HW1_CORES: '1', HW1_CORES_DIR: dir })!;
    expect(core.slot).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe('do not touch');
    expect(readFileSync(join(dir, 'core-0.lock'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
    core.release();
  });

  it('refuses a folder that is a link or belongs to another user, naming it', () => {
    const real = tempDir();
    const link = join(tempDir(), 'cores');
    symlinkSync(real, link);
    expect(() => tryAcquireCore({ HW1_CORES: '1', HW1_CORES_DIR: link })).toThrow(
      /HW1_CORES_DIR=.*cores is a symbolic link; it must be a directory of your own/,
    );
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    expect(() => tryAcquireCore({ HW1_CORES: '1', HW1_CORES_DIR: file })).toThrow(
      /HW1_CORES_DIR=.*a-file cannot hold files: a file is in the way: .* \(ENOTDIR\)/,
    );
    if (process.getuid?.() === 0) {
      const theirs = tempDir();
      chownSync(theirs, 65534, 65534);
      expect(() => tryAcquireCore({ HW1_CORES: '1', HW1_CORES_DIR: theirs })).toThrow(/belongs to another user \(uid 65534\)/);
    }
    const readOnly = tmpfs(64, true);
    if (readOnly !== null) {
      expect(() => tryAcquireCore({ HW1_CORES: '1', HW1_CORES_DIR: readOnly })).toThrow(
        /HW1_CORES_DIR=.* cannot hold files: .* is on a read-only file system \(EROFS\); set HW1_CORES_DIR to a directory of your own/,
      );
    }
  });

  it('skips a slot whose lock is not a file, saying so once, and refuses a folder where no slot is usable', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'core-0.lock'));
    const said: string[] = [];
    const env = { HW1_CORES: '2', HW1_CORES_DIR: dir };
    const core = tryAcquireCore(env, (m) => said.push(m))!;
    expect(core.slot).toBe(1);
    expect(tryAcquireCore(env, (m) => said.push(m))).toBeNull();
    expect(said).toEqual([`core slot 0 skipped: ${join(dir, 'core-0.lock')} is a directory, not a lock file; remove it if nothing is running`]);
    expect(slotHolders(env)).toBe(`core-0.lock: not a lock file, core-1.lock: pid ${process.pid} (this stage) (in ${dir})`);
    core.release();
    expect(() => tryAcquireCore({ HW1_CORES: '1', HW1_CORES_DIR: dir })).toThrow(
      new RegExp(`no core slot in HW1_CORES_DIR=${dir} can be used: every core-<n>\\.lock there is not a lock file; remove them`),
    );
  });
});
