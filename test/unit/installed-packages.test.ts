/**
 * When `npm run diff` and `npm run history` may link the main checkout's
 * node_modules into another checkout instead of running `npm ci` there: when
 * both lockfiles install the same packages, whatever workspaces they list (a
 * commit that adds a stage adds a workspace, and its link).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installedPackages } from '../../pipeline/src/compare/worktree.ts';
import { tempDir } from '../helpers/helpers.ts';

const lockfile = (workspaces: string[], packages: Record<string, object>) => {
  const dir = tempDir();
  const links = Object.fromEntries(workspaces.map((w) => [`node_modules/@hw1/${w.replace('/', '-')}`, { resolved: w, link: true }]));
  const own = Object.fromEntries(workspaces.map((w) => [w, { name: `@hw1/${w.replace('/', '-')}` }]));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({ lockfileVersion: 3, packages: { '': { workspaces }, ...own, ...links, ...packages } }, null, 2),
  );
  return dir;
};

const zod = (version: string) => ({ 'node_modules/zod': { version, integrity: `sha512-${version}` } });

describe('the packages a lockfile installs', () => {
  it('are the same for lockfiles that differ only in their workspaces', () => {
    const before = lockfile(['pipeline', 'site'], zod('4.6.7'));
    const after = lockfile(['pipeline', 'site', 'stages/new'], zod('4.6.7'));
    expect(installedPackages(before)).not.toBeNull();
    expect(installedPackages(after)).toBe(installedPackages(before));
  });

  it('differ when a version, a package or a nested copy differs', () => {
    const base = installedPackages(lockfile(['pipeline'], zod('4.6.7')));
    expect(installedPackages(lockfile(['pipeline'], zod('4.6.8')))).not.toBe(base);
    expect(installedPackages(lockfile(['pipeline'], { ...zod('4.6.7'), 'node_modules/yaml': { version: '2.9.1' } }))).not.toBe(base);
    expect(installedPackages(lockfile(['pipeline'], { ...zod('4.6.7'), 'pipeline/node_modules/zod': { version: '3.0.0' } }))).not.toBe(base);
  });

  it('are unknown (null) without a readable lockfile', () => {
    expect(installedPackages(tempDir())).toBeNull();
    const dir = tempDir();
    writeFileSync(join(dir, 'package-lock.json'), '{ not json');
    expect(installedPackages(dir)).toBeNull();
  });
});
