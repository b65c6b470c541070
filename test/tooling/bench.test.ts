/**
 * npm run bench (bin/bench.ts, bench/bench.ts): every case run and reported; bad options rejected; the PyTorch peer
 * (bench/peer.py) trains the same models (checked by parameter count) and says what it ran on (BLAS, oneDNN,
 * threads), with a warning when its BLAS is the reference one.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchCases, describePeer, findPython, type PeerEnvironment, runPeer } from '../../pipeline/src/bench/bench.ts';
import { loadAddon } from '../../pipeline/src/native/addon.ts';
import { root, tempDir } from '../helpers/helpers.ts';

const python = findPython();
// Any python3 will do for peer.py's BLAS classification, which needs no torch.
const anyPython = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0) ?? null;
const bench = join(root, 'pipeline/src/bin/bench.ts');
const peerScript = join(root, 'pipeline/src/bench/peer.py');

/** peer.py's function `name` applied to each argument list, through python3 without torch. */
function peerFunction(name: string, calls: unknown[][]): unknown[] {
  const script = `import json, runpy, sys
f = runpy.run_path(sys.argv[1], run_name="peer")[sys.argv[2]]
print(json.dumps([f(*args) for args in json.loads(sys.argv[3])]))`;
  const r = spawnSync(anyPython!, ['-c', script, peerScript, name, JSON.stringify(calls)], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3';
const reference = '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0';

/** A peer environment as peer.py reports it, with the BLAS given. */
function fakeEnvironment(blas: Pick<PeerEnvironment['blas'], 'name' | 'path'>): PeerEnvironment {
  return {
    torch: '1.13.0a0',
    pythonVersion: '3.11.2',
    threads: { default: 1, interop: 1, blas: { '1': null, '2': null } },
    blas: { ...blas, loaded: blas.path ? [blas.path] : [], source: '/proc/self/maps' },
    onednn: { available: true, version: '2.6.3', line: 'Intel(R) MKL-DNN v2.6.3 (Git Hash N/A)', path: null },
    environment: {},
  };
}

describe('npm run bench', () => {
  it('prints one JSON document with the backend, the machine and every case', () => {
    const r = spawnSync(process.execPath, [bench, '--json', '--seconds', '0.05', '--no-peer'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(['wasm', 'wasm+onednn']).toContain(doc.backend.name);
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
    // On the tfjs path (pure wasm): the kernels of a step, a layer being one fused product.
    const env = { ...process.env, HW1_BACKEND: 'wasm' };
    const r = spawnSync(process.execPath, [bench, '--profile', '--only', 'fit shallow', '--steps', '2'], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^fit shallow \(256 points\): [\d.]+ ms per step \(\d+ kernels; [\d.]+ ms in kernels under the profiler\)$/m);
    expect(r.stdout).toMatch(/^kernel +ms\/step +share +calls\/step$/m);
    // Rows are ranked by time, which a busy machine reorders: check that the shapes table is there, not who leads it.
    expect(r.stdout).toMatch(/^kernel and input shapes +ms\/step +share +calls\/step$/m);
    expect(r.stdout).toMatch(/^_?\w+ (\[[\d,]*\] ?)+ +[\d.]+ +\d+% +\d+$/m);
    if (loadAddon().addon) {
      // With the native kernels a fit is one fused call per step, which the profile says instead of an empty table.
      const fused = spawnSync(process.execPath, [bench, '--profile', '--only', 'fit shallow', '--steps', '2'], { encoding: 'utf8' });
      expect(fused.stdout).toMatch(/^fit shallow \(256 points\): [\d.]+ ms per step, one native call \(no tfjs kernels to profile/m);
    }
    const none = spawnSync(process.execPath, [bench, '--profile', '--only', 'nothing like it'], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no bench case name contains "nothing like it"; cases: mlp 784-128-10/);
    const stray = spawnSync(process.execPath, [bench, '--steps', '3'], { encoding: 'utf8' });
    expect(stray.status).toBe(2);
    expect(stray.stderr).toMatch(/--steps goes with --profile/);
  });

  it.runIf(python)('has PyTorch train models with exactly our parameter counts, and say what it ran on', () => {
    const cases = benchCases();
    const { results, environment } = runPeer(python!, cases, 0.05, [1]);
    expect(results.map((r) => r.parameters)).toEqual(cases.map((c) => c.parameters));
    for (const r of results) expect(r.threads['1']).toBeGreaterThan(0);
    cases.forEach((c, i) => {
      if (c.kind === 'ensemble') expect(results[i]!.oneAtATime!['1']).toBeGreaterThan(0);
    });
    expect(environment.torch).toMatch(/^\d+\.\d+/);
    expect(environment.threads.default).toBeGreaterThan(0);
    expect(Object.keys(environment.threads.blas)).toEqual(['1']);
    expect(['OpenBLAS', 'MKL', 'BLIS', 'Accelerate', 'reference BLAS', 'unknown']).toContain(environment.blas.name);
    if (process.platform === 'linux') expect(environment.blas.source).toBe('/proc/self/maps');
    if (environment.blas.path !== null) {
      expect(existsSync(environment.blas.path)).toBe(true);
      expect(environment.blas.loaded).toContain(environment.blas.path);
    }
    expect(typeof environment.onednn.available).toBe('boolean');
    if (environment.onednn.available) expect(environment.onednn.version).toMatch(/^\d+\.\d+/);
  });

  it.runIf(anyPython)('classifies the BLAS libraries by their resolved paths, and picks the one torch calls', () => {
    const kinds = {
      [openblas]: 'OpenBLAS',
      '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so': 'OpenBLAS',
      '/usr/lib/python3/site-packages/torch.libs/libopenblasp-r0-2ecf47d5.3.21.so': 'OpenBLAS',
      '/usr/lib/x86_64-linux-gnu/blas/libblas.so.3': 'reference BLAS',
      [reference]: 'reference BLAS',
      '/usr/lib/aarch64-linux-gnu/blas/libblas.so.3.11.0': 'reference BLAS',
      '/usr/lib/x86_64-linux-gnu/libmkl_rt.so': 'MKL',
      '/opt/intel/oneapi/mkl/2024.0/lib/libmkl_core.so.2': 'MKL',
      '/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3': 'BLIS',
      '/usr/lib/x86_64-linux-gnu/libblis.so.4': 'BLIS',
      '/usr/lib/x86_64-linux-gnu/atlas/libblas.so.3': 'unknown',
      '/usr/lib64/libblas.so.3': 'unknown',
    };
    expect(
      peerFunction(
        'blas_kind',
        Object.keys(kinds).map((p) => [p]),
      ),
    ).toEqual(Object.values(kinds));
    const numpys = '/home/u/.local/lib/python3.11/site-packages/numpy.libs/libopenblas64_p-r0-0cf96a72.3.23.so';
    expect(
      peerFunction('blas_in_use', [
        [[openblas, '/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblasp-r0.3.21.so'], 'generic'],
        // Debian's torch calls libblas.so.3, whatever numpy brought along.
        [[reference, numpys], 'generic'],
        // Pip's torch has MKL inside it.
        [[numpys], 'mkl'],
        [[], 'open'],
        [[], 'generic'],
      ]),
    ).toEqual([
      { name: 'OpenBLAS', path: openblas },
      { name: 'reference BLAS', path: reference },
      { name: 'MKL', path: null },
      { name: 'OpenBLAS', path: null },
      { name: 'unknown', path: null },
    ]);
  });

  it('names the peer above the table, and warns when its BLAS is the reference one or unknown', () => {
    const good = describePeer('/usr/bin/python3', fakeEnvironment({ name: 'OpenBLAS', path: openblas }));
    expect(good.lines[0]).toBe(`peer: PyTorch 1.13.0a0 via /usr/bin/python3, BLAS OpenBLAS (${openblas}), oneDNN 2.6.3`);
    expect(good.warning).toBeNull();
    const slow = describePeer('/usr/bin/python3', fakeEnvironment({ name: 'reference BLAS', path: reference }));
    expect(slow.lines[0]).toContain(`BLAS reference BLAS (${reference})`);
    expect(slow.warning).toMatch(/^warning: PyTorch's BLAS is the reference BLAS .*understates PyTorch.*apt-get install libopenblas0-pthread/);
    const unknown = describePeer('/usr/bin/python3', fakeEnvironment({ name: 'unknown', path: '/usr/lib64/libblas.so.3' }));
    expect(unknown.warning).toMatch(/understates PyTorch/);
  });

  it('prints the peer and the warning in the table and on stderr, and carries them in --json', () => {
    // A stand-in python3 whose "peer" reports the reference BLAS, so no torch is needed.
    const dir = tempDir('hw1-bench-');
    writeFileSync(
      join(dir, 'peer.mjs'),
      `let input = '';
process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const { cases, threads } = JSON.parse(input);
  const rates = Object.fromEntries(threads.map((t) => [String(t), 100]));
  const env = ${JSON.stringify(fakeEnvironment({ name: 'reference BLAS', path: reference }))};
  process.stdout.write(JSON.stringify({ results: cases.map((c) => ({ parameters: c.parameters, threads: rates })), peer: env }));
});
`,
    );
    writeFileSync(join(dir, 'python3'), `#!/bin/sh\n[ "$1" = -c ] && exit 0\nexec "${process.execPath}" "${join(dir, 'peer.mjs')}"\n`);
    chmodSync(join(dir, 'python3'), 0o755);
    const env = { ...process.env, PATH: `${dir}:${process.env.PATH}` };
    const args = [bench, '--seconds', '0.05', '--only', 'fit shallow'];
    const table = spawnSync(process.execPath, args, { encoding: 'utf8', env });
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(
      /^peer: PyTorch 1\.13\.0a0 via python3, BLAS reference BLAS \(\/usr\/lib\/x86_64-linux-gnu\/blas\/libblas\.so\.3\.11\.0\), oneDNN 2\.6\.3$/m,
    );
    expect(table.stdout).toMatch(/^warning: PyTorch's BLAS is the reference BLAS .*understates PyTorch/m);
    expect(table.stderr).toMatch(/^warning: PyTorch's BLAS is the reference BLAS .*understates PyTorch/m);
    expect(table.stdout).toMatch(/ours \/ PyTorch \(best T\)/);
    const json = spawnSync(process.execPath, [...args, '--json'], { encoding: 'utf8', env });
    expect(json.status, json.stderr).toBe(0);
    expect(json.stderr).toMatch(/^warning: PyTorch's BLAS is the reference BLAS/m);
    const doc = JSON.parse(json.stdout);
    expect(doc.peer).toMatchObject({
      name: 'PyTorch',
      python: 'python3',
      torch: '1.13.0a0',
      blas: { name: 'reference BLAS', path: reference },
      onednn: { available: true, version: '2.6.3' },
    });
    expect(doc.peer.warning).toMatch(/understates PyTorch/);
    expect(doc.cases[0].ratio).toBeGreaterThan(0);
  });
});
