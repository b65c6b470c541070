/** npm run bench (bin/bench.ts, bench/bench.ts): every case run and reported; bad options rejected; the PyTorch peer (bench/peer.py) trains the same models (checked by parameter count). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCases, findPython, runPeer } from '../../pipeline/src/bench/bench.ts';
import { root } from '../helpers/helpers.ts';

const python = findPython();
const bench = join(root, 'pipeline/src/bin/bench.ts');

describe('npm run bench', () => {
  it('prints one JSON document with the backend, the machine and every case', () => {
    const r = spawnSync(process.execPath, [bench, '--json', '--seconds', '0.05', '--no-peer'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.backend.name).toBe('wasm');
    expect(doc.machine.cpus).toBeGreaterThan(0);
    const names = doc.cases.map((c: { name: string }) => c.name);
    expect(names[0]).toBe('mlp 784-128-10 (batch 128)');
    expect(names.filter((n: string) => n.startsWith('cnn-'))).toHaveLength(3);
    expect(names.filter((n: string) => n.startsWith('fit '))).toHaveLength(4);
    expect(names.filter((n: string) => / fits /.test(n))).toHaveLength(4);
    expect(names).toContain('100 minimal-ratio nets');
    for (const c of doc.cases) {
      expect(c.ours).toBeGreaterThan(0);
      expect(c.peer).toBeNull();
      if (c.unit === 'run-steps/s') expect(c.oursOneAtATime).toBeGreaterThan(0);
      else expect(c.oursOneAtATime).toBeNull();
    }
  });

  it('rejects a bad --seconds and an unknown option with exit code 2', () => {
    const r = spawnSync(process.execPath, [bench, '--seconds', 'soon'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: --seconds expects a positive number, got soon\n$/);
    const unknown = spawnSync(process.execPath, [bench, '--fast'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown option --fast; see --help\n$/);
  });

  it('profiles a case kernel by kernel with --profile, and refuses options that do not go together', () => {
    const r = spawnSync(process.execPath, [bench, '--profile', '--only', 'fit shallow', '--steps', '2'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fit shallow \(256 points\): [\d.]+ ms per step \(\d+ kernels; [\d.]+ ms in kernels under the profiler\)$/m);
    expect(r.stdout).toMatch(/^kernel +ms\/step +share +calls\/step$/m);
    expect(r.stdout).toMatch(/^BatchMatMul \[256,1\] \[1,192\] +[\d.]+ +\d+% +1$/m);
    const none = spawnSync(process.execPath, [bench, '--profile', '--only', 'nothing like it'], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no bench case name contains "nothing like it"; cases: mlp 784-128-10/);
    const stray = spawnSync(process.execPath, [bench, '--steps', '3'], { encoding: 'utf8' });
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/--steps goes with --profile/);
  });

  it.runIf(python)('has PyTorch train models with exactly our parameter counts', () => {
    const cases = benchCases();
    const results = runPeer(python!, cases, 0.05, [1]);
    expect(results.map((r) => r.parameters)).toEqual(cases.map((c) => c.parameters));
    for (const r of results) expect(r.threads['1']).toBeGreaterThan(0);
    cases.forEach((c, i) => {
      if (c.kind === 'ensemble') expect(results[i]!.oneAtATime!['1']).toBeGreaterThan(0);
    });
  });
});
