/**
 * The 1-3 page built from tiny real runs of its four stages (and every other
 * stage's quick artifact): Figures I to N with a median line per series, the
 * tables, and numbers in the prose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite, quickArtifacts, type Result, runStageWith, siteWorkspace, tempDir } from '../helpers/helpers.ts';
import { tinyConfigs } from '../helpers/tiny-configs.ts';

describe('section 1-3 of the report, tiny runs', () => {
  const out = tempDir();
  let built: Result;

  beforeAll(async () => {
    // The tiny configs have no profiles: quick is the config as written, and the site beside the other stages' quick artifacts wants quick.
    const own = Object.entries(tinyConfigs).map(([stage, config]) => ({
      stage,
      config,
      artifacts: runStageWith(stage, config, { HW1_PROFILE: 'quick' }).artifacts,
    }));
    const ws = siteWorkspace(await quickArtifacts(), own);
    built = buildSite(out, { HW1_PROFILE: 'quick', HW1_CONFIG_DIR: ws.configDir, HW1_ARTIFACTS_DIR: ws.artifacts });
  }, 900_000);

  it('builds section 1-3 of the report: Figures I to N with a median line per series, the tables, and numbers in the prose', () => {
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const doc = parseHTML(readFileSync(join(out, '1-3-generalization.html'), 'utf8')).document as unknown as Document;
    const medianLines = (id: string) => [...doc.getElementById(id)!.querySelectorAll('g[aria-description="median over seeds"] path')].length;
    // Random and true labels, training and test, in both panels.
    expect(medianLines('figure-i')).toBe(8);
    expect(medianLines('figure-j')).toBe(2);
    expect(medianLines('figure-k')).toBe(2);
    expect(medianLines('figure-l')).toBe(4);
    // Loss and accuracy (training and test) and sensitivity.
    expect(medianLines('figure-m')).toBe(5);
    expect(medianLines('figure-sharpness')).toBe(1);
    expect(doc.getElementById('figure-l')!.querySelectorAll('g[aria-description="the two trained models"] line')).toHaveLength(4);
    expect(doc.querySelectorAll('#table-parameters tbody tr')).toHaveLength(10);
    expect(doc.querySelectorAll('#table-sensitivity tbody tr')).toHaveLength(5);
    const text = doc.querySelector('main')?.textContent ?? doc.body.textContent ?? '';
    // Four epochs are not enough to memorise 256 random labels: the prose says so instead of inventing an epoch.
    expect(text).toMatch(/99% in\s+epoch\s+not reached/);
    expect(text).toMatch(/the\s+minimum of\s+(small|large)\s+is the sharper/);
    expect(text).not.toMatch(/NaN|undefined/);
  });
});
