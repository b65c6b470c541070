/**
 * Checked claims: a sentence of the report the data contradict is flagged on
 * its page and at the end of the build log, and HW1_STRICT=1 fails the build.
 * The contradiction is made on purpose, by editing one number of a quick artifact.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultHash } from '../../pipeline/src/core/artifact.ts';
import { buildSite, quickArtifacts, type Result, siteWorkspace, tempDir } from '../helpers/helpers.ts';

describe('claims checked against the artifacts', () => {
  const out = tempDir();
  let env: NodeJS.ProcessEnv;
  let site: Result;

  beforeAll(async () => {
    const ws = siteWorkspace(await quickArtifacts());
    // The one-hidden-layer network now "fits" the square wave perfectly, so "every seed of the deepest network
    // ends below every seed of the one-hidden-layer network" is false.
    const file = join(ws.artifacts, 'simulate-function/artifact.json');
    const artifact = JSON.parse(readFileSync(file, 'utf8'));
    const sign = artifact.data.functions.find((f: { id: string }) => f.id === 'sign');
    for (const run of sign.results.find((r: { model: string }) => r.model === 'shallow').runs) run.finalLoss = 1e-9;
    // As if the stage had computed these results: the manifest's result hash follows them (else the site refuses a tampered artifact).
    artifact.manifest.dataHash = resultHash(artifact.data);
    writeFileSync(file, JSON.stringify(artifact));
    env = { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir };
    site = buildSite(out, env);
  }, 900_000);

  it('flags the contradicted claim on its page, in words, right after its text', () => {
    expect(site.status, site.stdout + site.stderr).toBe(0);
    const { document } = parseHTML(readFileSync(join(out, '1-1-simulate-function.html'), 'utf8'));
    const failed = [...document.querySelectorAll('[data-claim="fail"]')];
    expect(failed.map((c) => c.getAttribute('data-check'))).toEqual(['deepest-beats-shallowest']);
    const flag = failed[0]!.querySelector('.claim-flag')!;
    expect(flag.textContent).toMatch(/Contradicted by the data: sign: final loss of six-layer .* of shallow 1\.00 × 10⁻⁹ to 1\.00 × 10⁻⁹/);
    // The flag follows the claim's own words, so it is read with them.
    expect(failed[0]!.textContent).toMatch(/depth\s+pays off beyond the seeds’ spread.*\[Contradicted by the data/s);
    // The other claims on the page still hold, each with its check mark.
    expect(document.querySelectorAll('[data-claim="pass"] .claim-mark').length).toBeGreaterThan(0);
  });

  it('lists it at the end of the build log', () => {
    const log = site.stdout.trimEnd().split('\n');
    const summary = log.findIndex((l) => /^claims: \d+ checked against the artifacts, \d+ hold, 1 contradicted/.test(l));
    expect(summary, site.stdout).toBeGreaterThan(log.findIndex((l) => /\[build\] Complete!/.test(l)));
    expect(log.slice(summary).join('\n')).toMatch(
      /1-1-simulate-function\.html: \[deepest-beats-shallowest fn=sign\] “.*depth pays off beyond the seeds’ spread/,
    );
  });

  it('fails the build under HW1_STRICT=1', () => {
    const strict = buildSite(tempDir(), { ...env, HW1_STRICT: '1' });
    expect(strict.status).not.toBe(0);
    expect(strict.stdout + strict.stderr).toMatch(/HW1_STRICT=1: 1 claim contradicted by the data/);
    expect(strict.stdout).toMatch(/deepest-beats-shallowest fn=sign/);
  });
});
