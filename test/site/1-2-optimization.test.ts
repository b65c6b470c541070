/** The 1-2 "Optimization" page of the quick report: Figures E, F, G, H and the error surface, each with marks, and numbers from the artifacts. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { resultHash } from '../../pipeline/src/core/artifact.ts';
import { buildSite, quickArtifacts, quickSite, siteWorkspace, tempDir } from '../helpers/helpers.ts';

describe('1-2 optimization, quick profile', () => {
  let out: string;

  beforeAll(async () => {
    out = await quickSite();
  }, 900_000);

  it('builds section 1-2 from the quick artifacts: Figures E, F, G, H and the error surface, each with marks', () => {
    const doc = parseHTML(readFileSync(join(out, '1-2-optimization.html'), 'utf8')).document as unknown as Document;
    for (const id of ['figure-trajectory-layer', 'figure-trajectory-model', 'figure-gradient-norm', 'figure-h', 'figure-error-surface']) {
      const figure = doc.getElementById(id);
      expect(figure, id).toBeTruthy();
      expect(figure!.querySelectorAll('svg').length, id).toBeGreaterThan(0);
      expect(figure!.querySelectorAll('path, circle').length, id).toBeGreaterThan(3);
    }
    // Prose numbers come from the artifact, e.g. how many runs reached the gradient threshold.
    // (‖∇L‖ is typeset by KaTeX, so its text appears in more than one form.)
    expect(doc.querySelector('article')!.textContent).toMatch(/Of \d+ runs, \d+ brought [^.]*∇L[^.]* below the\s+threshold/);
  });
});

describe('1-2 optimization without an error surface (every run diverged)', () => {
  it('builds the page with the figure’s notice and without the prose that would quote the surface', async () => {
    const ws = siteWorkspace(await quickArtifacts());
    const file = join(ws.artifacts, 'optimization-process/artifact.json');
    const artifact = JSON.parse(readFileSync(file, 'utf8'));
    artifact.data.surface = null;
    artifact.manifest.dataHash = resultHash(artifact.data);
    writeFileSync(file, JSON.stringify(artifact));
    const out = tempDir();
    const built = buildSite(out, { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir });
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const doc = parseHTML(readFileSync(join(out, '1-2-optimization.html'), 'utf8')).document as unknown as Document;
    expect(doc.getElementById('figure-error-surface')!.textContent).toMatch(/Error surface: not computed/);
    const text = doc.querySelector('article')!.textContent!;
    expect(text).not.toMatch(/The trajectory enters the plane/);
    // The rest of the page is there.
    expect(text).toMatch(/Of \d+ runs, \d+ brought/);
  }, 900_000);
});
