/**
 * `npm run history -- --record <site>` (history/summary.ts recordEntry): the
 * built quick report's summary for the History page, written beside its
 * pages after the build: this checkout's commit, every stage's headline
 * metrics from the artifacts the site was built from, every claim's verdict
 * as its pages show it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtClaimsSchema } from '../../pipeline/src/compare/comparison.ts';
import { readEntry } from '../../pipeline/src/history/entry.ts';
import { quickArtifacts, quickSite, root, stageList, tempDir } from '../helpers/helpers.ts';

const history = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [join(root, 'pipeline/src/bin/history.ts'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

describe('npm run history -- --record', () => {
  it('writes the built report’s summary: commit, every stage’s headline metrics, every verdict', async () => {
    const site = tempDir();
    cpSync(await quickSite(), site, { recursive: true });
    const r = history(['--record', site], { HW1_ARTIFACTS_DIR: await quickArtifacts() });
    expect(r.status, r.stderr).toBe(0);
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
    expect(r.stdout).toMatch(
      new RegExp(`^recorded ${head.slice(0, 10)}( \\(with uncommitted changes\\))?: 8 stages, \\d+ claims, in .*history-entry\\.json\\n$`),
    );
    const entry = readEntry(JSON.parse(readFileSync(join(site, 'history-entry.json'), 'utf8')));
    expect(entry.commit).toBe(head);
    expect(entry.profile).toBe('quick');
    expect(entry.stages.map((s) => s.name)).toEqual(stageList.map((s) => s.name));
    for (const s of entry.stages) expect(s.metrics.length, s.name).toBeGreaterThan(0);
    const { claims } = builtClaimsSchema.parse(JSON.parse(readFileSync(join(site, 'claims.json'), 'utf8')));
    expect(entry.claims).toEqual(claims.map(({ check, args, status, outcome }) => ({ check, args, status, outcome })));
  });

  it('refuses a folder that is no built report, and other options beside it, with exit 2', () => {
    const empty = tempDir();
    const r = history(['--record', empty]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/has no claims\.json: build the report first \(npx turbo run report\)/);
    const both = history(['--record', empty, '--json']);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/--record takes no other option/);
  });
});
