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
    for (const c of doc.cases) {
      expect(c.ours).toBeGreaterThan(0);
      expect(c.peer).toBeNull();
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

  it.runIf(python)('has PyTorch train models with exactly our parameter counts', () => {
    const cases = benchCases();
    const results = runPeer(python!, cases, 0.05, [1]);
    expect(results.map((r) => r.parameters)).toEqual(cases.map((c) => c.parameters));
    for (const r of results) expect(r.threads['1']).toBeGreaterThan(0);
  });
});
