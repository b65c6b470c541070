/** Shared test plumbing: temp dirs, running the CLI and building the site as a user would. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const root = resolve(import.meta.dirname, '..');

const created: string[] = [];
// Registered once per test file at import, so dirs made inside tests are removed too.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(prefix = 'hw1-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

const baseEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HW1_')) delete env[k];
  return env;
};

/** `node pipeline/src/cli.ts …` with the project's Node, env on top of a clean HW1_* slate. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [join(root, 'pipeline/src/cli.ts'), ...args], {
    cwd: join(root, 'pipeline'),
    env: { ...baseEnv(), ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `astro build` of the site into `out`. */
export function buildSite(out: string, env: NodeJS.ProcessEnv = {}): Result {
  const astro = join(root, 'node_modules/astro/bin/astro.mjs');
  const r = spawnSync(process.execPath, [astro, 'build'], {
    cwd: join(root, 'site'),
    env: { ...baseEnv(), ASTRO_TELEMETRY_DISABLED: '1', HW1_SITE_OUT: out, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
