/**
 * The native kernels at install (pipeline/src/native/build.ts): without a
 * compiler, or asked not to, the build says why in one line and exits 0; what
 * it built (or why not) is in every stage's cache key, checked with turbo's
 * own dry run on a scratch copy of the project: another oneDNN, instruction
 * set or source file is another key.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNative } from '../../pipeline/src/native/build.ts';
import { root } from '../helpers/helpers.ts';
import { keysProject, turboHashes } from '../helpers/project-copy.ts';

describe('the native kernels at install', () => {
  it('say why they were not built: no compiler, or HW1_NATIVE=0', () => {
    expect(buildNative({ ...process.env, CXX: '/nonexistent/c++' })).toEqual({
      built: false,
      reason: 'no C++ compiler (/nonexistent/c++; set CXX, or apt-get install g++)',
    });
    expect(buildNative({ ...process.env, HW1_NATIVE: '0' })).toEqual({ built: false, reason: 'HW1_NATIVE=0 at install' });
    const help = spawnSync(process.execPath, [join(root, 'pipeline/src/bin/build-native.ts'), '--help'], { encoding: 'utf8' });
    expect(help.stdout).toMatch(/apt-get install libdnnl-dev g\+\+/);
  });

  it('put what was built into every stage’s cache key, and their sources too', () => {
    const project = keysProject(['pipeline/native/src']);
    mkdirSync(join(project, 'pipeline/native/build'), { recursive: true });
    const status = (s: object) => writeFileSync(join(project, 'pipeline/native/build/status.json'), JSON.stringify(s));

    status({ built: false, reason: 'no oneDNN headers (apt-get install libdnnl-dev)' });
    const without = turboHashes(project);
    status({ built: true, onednn: '2.6.3', isa: 'avx512_core', compiler: 'g++ 12.2.0', flags: [], sources: 'a' });
    const withKernels = turboHashes(project);
    status({ built: true, onednn: '2.6.3', isa: 'avx2', compiler: 'g++ 12.2.0', flags: [], sources: 'a' });
    const otherIsa = turboHashes(project);
    writeFileSync(join(project, 'pipeline/native/src/conv.cc'), '// changed\n', { flag: 'a' });
    const otherSource = turboHashes(project);

    const stages = Object.keys(without).filter((t) => t.includes('#stage:'));
    expect(stages).toHaveLength(8);
    for (const stage of stages) {
      expect(withKernels[stage], stage).not.toBe(without[stage]);
      expect(otherIsa[stage], stage).not.toBe(withKernels[stage]);
      expect(otherSource[stage], stage).not.toBe(otherIsa[stage]);
    }
  });
});
