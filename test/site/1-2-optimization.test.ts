/** The 1-2 "Optimization" page of the quick report: Figures E, F, G, H and the error surface, each with marks, and numbers from the artifacts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { quickSite } from '../helpers/helpers.ts';

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
