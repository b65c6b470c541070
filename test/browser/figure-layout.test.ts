/**
 * Readable figures, measured in Chromium on a desktop (1280 px) and a phone
 * (390 px), for every figure of every page of the quick report and of a
 * compare site (npm run diff's, of the quick artifacts with themselves): no
 * text renders under 9 CSS px, no text lies on other text or sticks out of
 * its chart, every axis has labelled ticks (three or more on a log axis), no
 * page is wider than the screen (wide figures and tables scroll in their own
 * box), and in compare mode nothing but the base is drawn with the base's dashes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumPath, hasChromium, launchChromium } from '../../site/scripts/chromium.ts';
import { type StaticServer, serveDirectory } from '../../site/scripts/static-server.ts';
import { comparisonOf } from '../helpers/compare-sides.ts';
import { buildSite, quickArtifacts, quickSite, siteWorkspace, tempDir } from '../helpers/helpers.ts';
import { type FigureLayout, pageLayout } from './figure-layout.ts';

const available = hasChromium();
const widths = [1280, 390];
/** The smallest text a reader should have to read, in CSS px. */
const minFontPx = 9;

/** What is wrong with one figure's measurements, one line each. */
function figureProblems(f: FigureLayout): string[] {
  const out: string[] = [];
  if (f.texts === 0) out.push('no text at all');
  if (f.minFontPx < minFontPx) out.push(`text at ${f.minFontPx.toFixed(2)} px ("${f.smallest}")`);
  out.push(...f.overlaps.map((o) => `text on text: ${o}`));
  out.push(...f.outside.map((o) => `text out of its chart: ${o}`));
  const needed = (type: string) => (type === 'log' ? 3 : 2);
  for (const a of f.axes) {
    if (a.labelled >= needed(a.type)) continue;
    // A panel of a stack leaves its x ticks unlabelled when a panel under it labels the shared axis.
    const below = a.axis === 'x' && a.labelled === 0 && f.axes.some((b) => b.axis === 'x' && b.chart > a.chart && b.labelled >= needed(b.type));
    if (!below) out.push(`chart ${a.chart + 1}: ${a.labelled} labelled ticks on its ${a.type} ${a.axis} axis`);
  }
  return out;
}

describe.skipIf(!available)(`figures a reader can read, measured${available ? '' : ` (skipped: no ${chromiumPath})`}`, () => {
  const sites: Record<'report' | 'compare', { dir: string; server: StaticServer | null }> = {
    report: { dir: '', server: null },
    compare: { dir: '', server: null },
  };
  let browser: Browser;

  beforeAll(async () => {
    sites.report.dir = await quickSite();
    // A compare site as npm run diff builds it, of the quick artifacts with themselves (as the publishing rehearsal does).
    const ws = siteWorkspace(await quickArtifacts());
    const { file: comparison } = await comparisonOf(ws.artifacts, ws.artifacts);
    sites.compare.dir = join(tempDir(), 'compare');
    const built = buildSite(sites.compare.dir, {
      HW1_PROFILE: 'quick',
      HW1_ARTIFACTS_DIR: ws.artifacts,
      HW1_CONFIG_DIR: ws.configDir,
      HW1_COMPARE: comparison,
    });
    expect(built.status, built.stderr).toBe(0);
    for (const s of Object.values(sites)) s.server = await serveDirectory(s.dir);
    browser = await launchChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    for (const s of Object.values(sites)) await s.server?.close();
  });

  for (const name of ['report', 'compare'] as const)
    for (const width of widths)
      it(`${name} at ${width} px: text ≥ ${minFontPx} px, none on other text or out of its chart, labelled axes, no page wider than the screen`, async () => {
        const site = sites[name];
        const pages = readdirSync(site.dir)
          .filter((f) => f.endsWith('.html'))
          .sort();
        const problems: string[] = [];
        let figures = 0;
        const page = await browser.context.newPage();
        await page.setViewportSize({ width, height: 900 });
        for (const file of pages) {
          await page.goto(`${site.server!.url}/${file}`, { waitUntil: 'load' });
          await page.evaluate(() => document.fonts.ready);
          // What a reader may unfold (a model's layers, unchanged metrics) is measured unfolded.
          await page.evaluate(() => {
            for (const d of document.querySelectorAll('details')) d.open = true;
          });
          const layout = await pageLayout(page);
          figures += layout.figures.length;
          for (const f of layout.figures) problems.push(...figureProblems(f).map((p) => `${file} #${f.id}: ${p}`));
          if (layout.pageOverflowPx > 0)
            problems.push(`${file}: the page scrolls sideways by ${layout.pageOverflowPx} px (too wide: ${layout.wideElements.join(', ') || 'unknown'})`);
          problems.push(...layout.nestedScrollers.map((s) => `${file}: ${s} scrolls sideways inside a box that scrolls too`));
        }
        await page.close();
        expect(problems).toEqual([]);
        expect(figures).toBeGreaterThan(20);
      });

  it('compare mode draws only the base with the base’s dashes (the target of Figure B stays solid)', async () => {
    const page = await browser.context.newPage();
    const found: string[] = [];
    let bases = 0;
    for (const file of readdirSync(sites.compare.dir).filter((f) => /^1-.*\.html$/.test(f))) {
      await page.goto(`${sites.compare.server!.url}/${file}`, { waitUntil: 'load' });
      const marks = await page.evaluate(() =>
        [...document.querySelectorAll('figure.figure svg[data-scales] g[aria-description]')].map((g) => ({
          figure: g.closest('figure.figure')!.id,
          what: g.getAttribute('aria-description')!,
          dash: g.getAttribute('stroke-dasharray'),
        })),
      );
      const baseDashes = new Set(marks.filter((m) => m.what.endsWith('(base)') && m.dash).map((m) => m.dash));
      bases += baseDashes.size;
      for (const m of marks)
        if (!m.what.endsWith('(base)') && m.dash && baseDashes.has(m.dash)) found.push(`${file} #${m.figure}: "${m.what}" is dashed ${m.dash} like the base`);
      if (file === '1-1-simulate-function.html') expect(marks.filter((m) => m.what === 'ground truth' && !m.dash).length).toBeGreaterThan(0);
    }
    await page.close();
    expect(bases).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
