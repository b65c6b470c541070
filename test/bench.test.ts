/** The benchmark runs and reports every case; the PyTorch peer trains the same models (checked by parameter count). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCases, findPython, runPeer } from '../pipeline/src/bench.ts';
import { root } from './helpers.ts';

const python = findPython();

describe('npm run bench', () => {
  it('prints one JSON document with the backend, the machine and every case', () => {
    const r = spawnSync(process.execPath, [join(root, 'pipeline/src/bench.ts'), '--json', '--seconds', '0.05', '--no-peer'], { encoding: 'utf8' });
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

  it('rejects a bad --seconds', () => {
    const r = spawnSync(process.execPath, [join(root, 'pipeline/src/bench.ts'), '--seconds', 'soon'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--seconds expects a positive number, got soon/);
  });

  it.runIf(python)('has PyTorch train models with exactly our parameter counts', () => {
    const cases = benchCases();
    const results = runPeer(python!, cases, 0.05, [1]);
    expect(results.map((r) => r.parameters)).toEqual(cases.map((c) => c.parameters));
    for (const r of results) expect(r.threads['1']).toBeGreaterThan(0);
  });
});
