/**
 * Builds the native kernels (pipeline/native/src/*.cc) at install: a C++17
 * compiler, oneDNN's headers and library (Debian's libdnnl-dev) and the N-API
 * headers of the npm package node-api-headers, nothing downloaded. The addon
 * is compiled to a temporary file, loaded once in a child process to prove it
 * works, and renamed into place; then native/build/status.json says what was
 * built (or why not). That file is part of every stage's cache key, so a
 * machine with the native kernels and one without never share a result.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipelineRoot } from '../core/paths.ts';

export const nativeRoot = join(pipelineRoot, 'native');
export const nativeSources = join(nativeRoot, 'src');
export const nativeBuild = join(nativeRoot, 'build');
export const addonFile = join(nativeBuild, 'hw1_native.node');
export const statusFile = join(nativeBuild, 'status.json');

/** What the last build did: the kernels built (and with what), or why not. */
export type NativeStatus = { built: true; onednn: string; isa: string; compiler: string; flags: string[]; sources: string } | { built: false; reason: string };

export function readStatus(file = statusFile): NativeStatus | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as NativeStatus;
  } catch {
    return null;
  }
}

function writeStatus(status: NativeStatus): void {
  mkdirSync(nativeBuild, { recursive: true });
  const tmp = `${statusFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(tmp, statusFile);
}

/**
 * -ffp-contract=off: no fused multiply-adds the source did not write, so the
 * fused Adam rounds exactly as tfjs does; -fno-math-errno lets sqrt vectorize
 * (errno is never read). -march=native: the addon is built on
 * the machine that runs it (status.json records the instruction set).
 */
export const FLAGS = ['-std=c++17', '-O3', '-march=native', '-ffp-contract=off', '-fno-math-errno', '-fPIC', '-shared', '-fvisibility=hidden'];

function compilerOf(env: NodeJS.ProcessEnv): string {
  return env.CXX || 'g++';
}

/** Compiles and checks the addon; never throws: a failure is a status with its reason. */
export function buildNative(env: NodeJS.ProcessEnv = process.env): NativeStatus {
  if (env.HW1_NATIVE === '0') return { built: false, reason: 'HW1_NATIVE=0 at install' };
  const cxx = compilerOf(env);
  const version = spawnSync(cxx, ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { built: false, reason: `no C++ compiler (${cxx}; set CXX, or apt-get install g++)` };
  // The version header alone preprocesses to a few lines: which oneDNN, if any, the compiler finds.
  const probe = spawnSync(cxx, ['-x', 'c++', '-E', '-P', '-'], {
    input: '#include <oneapi/dnnl/dnnl_version.h>\nDNNL_VERSION_MAJOR.DNNL_VERSION_MINOR.DNNL_VERSION_PATCH\n',
    encoding: 'utf8',
  });
  if (probe.status !== 0) return { built: false, reason: 'no oneDNN headers (apt-get install libdnnl-dev)' };
  const found = probe.stdout.trim().split('\n').at(-1)!.replace(/\s/g, '');
  if (!found.startsWith('2.')) return { built: false, reason: `oneDNN ${found} found; the kernels use oneDNN 2's API (Debian 12's libdnnl-dev 2.6)` };
  let napiInclude: string;
  try {
    napiInclude = join(dirname(createRequire(import.meta.url).resolve('node-api-headers/package.json')), 'include');
  } catch {
    return { built: false, reason: 'no N-API headers (the npm package node-api-headers; run npm ci)' };
  }
  const sources = readdirSync(nativeSources)
    .filter((f) => f.endsWith('.cc'))
    .sort()
    .map((f) => join(nativeSources, f));
  mkdirSync(nativeBuild, { recursive: true });
  const tmp = join(nativeBuild, `hw1_native.${process.pid}.tmp.node`);
  const darwin = process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : [];
  const compile = spawnSync(cxx, [...FLAGS, ...darwin, `-I${napiInclude}`, ...sources, '-o', tmp, '-ldnnl', '-lgomp'], { encoding: 'utf8' });
  if (compile.status !== 0) {
    rmSync(tmp, { force: true });
    const first = (compile.stderr || String(compile.error ?? '')).split('\n').find((l) => /error/i.test(l)) ?? 'see the compiler output';
    return { built: false, reason: `the compiler failed: ${first.trim()}` };
  }
  // Load it where nothing else is at stake: a library that cannot resolve or crashes on load is not installed.
  const check = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(tmp)}).info())`], { encoding: 'utf8' });
  if (check.status !== 0) {
    rmSync(tmp, { force: true });
    const line = (check.stderr || '').split('\n').find((l) => /Error/.test(l)) ?? 'it exited with an error';
    return { built: false, reason: `the built addon does not load: ${line.trim()}` };
  }
  const info = JSON.parse(check.stdout) as { onednn: string; isa: string };
  renameSync(tmp, addonFile);
  const hash = createHash('sha256');
  for (const f of readdirSync(nativeSources).sort()) hash.update(f).update(readFileSync(join(nativeSources, f)));
  return {
    built: true,
    onednn: info.onednn,
    isa: info.isa,
    compiler: version.stdout.split('\n')[0]!.trim(),
    flags: FLAGS,
    sources: hash.digest('hex').slice(0, 16),
  };
}

/** Builds, records the outcome in status.json (removing a stale addon on failure) and returns it. */
export function buildAndRecord(env: NodeJS.ProcessEnv = process.env): NativeStatus {
  const status = buildNative(env);
  if (!status.built && existsSync(addonFile)) rmSync(addonFile);
  writeStatus(status);
  return status;
}
