/**
 * `npm run history -- --record <site>` (history/summary.ts recordEntry): the
 * built quick report's summary for the History page, written beside its
 * pages after the build: this checkout's commit, every stage's headline
 * metrics from the artifacts the site was built from, every claim's verdict
 * as its pages show it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { builtClaimsSchema } from '../../pipeline/src/compare/comparison.ts';
import { readEntry } from '../../pipeline/src/history/entry.ts';
import { quickArtifacts, quickSite, root, stageList, tempDir } from '../helpers/helpers.ts';

const history = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [join(root, 'pipeline/src/bin/history.ts'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });

describe('npm run history -- --record', () => {
  const site = tempDir();
  let artifacts: string;
  // The quick report, built once per test run (minutes on a busy machine: in the hook, whose guard is long).
  beforeAll(async () => {
    cpSync(await quickSite(), site, { recursive: true });
    artifacts = await quickArtifacts();
  }, 900_000);

  it('writes the built report’s summary: commit, every stage’s headline metrics, every verdict', () => {
    const r = history(['--record', site], { HW1_ARTIFACTS_DIR: artifacts });
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
    // A damaged claims.json, and a report whose artifacts are gone: one line each, no stack trace.
    writeFileSync(join(empty, 'claims.json'), '{"version": 1, "claims": [{"check": 3}]}');
    const damaged = history(['--record', empty]);
    expect(damaged.status).toBe(2);
    expect(damaged.stderr).toMatch(/^error: .*claims\.json is not the claims a report build writes \(.*\); build the report again\n$/);
    const noArtifacts = history(['--record', site], { HW1_ARTIFACTS_DIR: tempDir() });
    expect(noArtifacts.status).toBe(2);
    expect(noArtifacts.stderr).toMatch(
      /^error: stage "simulate-function": no metrics: missing artifact for stage "simulate-function": .* does not exist; run `npx turbo run report`/,
    );
  });
});
