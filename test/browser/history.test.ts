/**
 * The published History page in Chromium: the quick report published into a
 * plain folder (site/scripts/pages.ts --tree) after 199 earlier publishes,
 * its entry the quick build's own (recordEntry, as npm run history -- --record), the others made from it with moved values
 * and a changed verdict. Served under a sub-path as GitHub Pages serves it,
 * and read from file://: no failed request, no serious accessibility
 * violation at a desktop's and a phone's width, nothing wider than a phone.
 * A screenshot goes to test-output/screenshots/history-published.png.
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HistoryEntry, readEntry } from '../../pipeline/src/history/entry.ts';
import { recordEntry } from '../../pipeline/src/history/summary.ts';
import { type Browser, chromiumPath, hasChromium, launchChromium } from '../../site/scripts/chromium.ts';
import { applyChange } from '../../site/scripts/pages.ts';
import { type StaticServer, serveDirectory } from '../../site/scripts/static-server.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { quickArtifacts, quickSite, root, tempDir } from '../helpers/helpers.ts';

const available = hasChromium();
const PUBLISHES = 200;

describe.skipIf(!available)(`the published History page in Chromium${available ? '' : ` (skipped: no ${chromiumPath})`}`, () => {
  let tree: string;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    const site = await quickSite();
    // The quick build's own summary, as publishing records it (npm run history -- --record).
    const copy = tempDir();
    cpSync(site, copy, { recursive: true });
    await recordEntry(copy, await quickArtifacts());
    const own = readEntry(JSON.parse(readFileSync(join(copy, 'history-entry.json'), 'utf8')));
    // Earlier publishes, made from this one: other commits a day apart, the metrics wandering, one verdict flipping.
    tree = tempDir();
    mkdirSync(join(tree, 'history'), { recursive: true });
    writeFileSync(join(tree, '.nojekyll'), '');
    for (let i = 1; i < PUBLISHES; i++) {
      const e: HistoryEntry = structuredClone(own);
      e.commit = `${(0x1000000 + i).toString(16)}${own.commit.slice(7)}`;
      e.date = new Date(Date.parse(own.date) - (PUBLISHES - i) * 86_400_000).toISOString();
      e.builtAt = e.date;
      e.subject = `earlier commit ${i}`;
      for (const s of e.stages)
        for (const c of s.metrics)
          if (c.value !== null && c.min !== null && c.max !== null) {
            const f = 1 + 0.05 * Math.sin(i / 7) + (i % 50 === 0 ? 0.6 : 0);
            [c.value, c.min, c.max] = [c.value * f, c.min * f, c.max * f];
          }
      if (i % 60 === 0 && e.claims[0]) e.claims[0].status = e.claims[0].status === 'pass' ? 'fail' : 'pass';
      writeFileSync(join(tree, 'history', `${e.commit}.json`), JSON.stringify(readEntry(e)));
    }
    applyChange(tree, { kind: 'main', site: copy }, null, undefined, { commitUrl: 'https://example.org/o/r/commit/', warn: () => {} });
    server = await serveDirectory(tree, { prefix: '/hw1-report' });
    browser = await launchChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws every headline metric over the 200 publishes', () => {
    const html = readFileSync(join(tree, 'history.html'), 'utf8');
    expect(html).toContain(`data-hw1-history="${PUBLISHES}"`);
    const figures = html.match(/<figure class="history-figure"/g)?.length ?? 0;
    expect(figures).toBeGreaterThanOrEqual(8);
    expect(html.match(/class="history-dot history-moved"/g)?.length ?? 0).toBeGreaterThan(0);
    expect(html).toMatch(/<ul class="history-changes"><li>/);
  });

  it('loads under a sub-path with no failed request, no serious accessibility violation, and nothing wider than a phone', async () => {
    const problems: string[] = [];
    for (const width of [1100, 390]) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height: 900 });
      page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
      await page.goto(`${server.url}/history.html`, { waitUntil: 'load' });
      // The site's stylesheet applies: the charts fit the column.
      expect(
        await page
          .locator('figure.history-figure svg')
          .first()
          .evaluate((svg) => svg.getBoundingClientRect().width),
      ).toBeLessThanOrEqual(640);
      // Every label inside its chart: none cut off at the edge of the SVG.
      const clipped = await page.evaluate(() =>
        [...document.querySelectorAll<SVGTextElement>('figure.history-figure svg text')]
          .filter((t) => {
            const box = t.getBBox();
            return box.x < 0 || box.x + box.width > 640;
          })
          .map((t) => t.textContent),
      );
      if (clipped.length) problems.push(`history.html at ${width} px: labels cut off at the chart's edge: ${clipped.slice(0, 3).join(', ')}`);
      problems.push(...(await seriousViolations(page, `history.html at ${width} px`)));
      const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (wide > 0) problems.push(`history.html at ${width} px: ${wide} px wider than the window`);
      if (width === 1100) {
        mkdirSync(join(root, 'test-output/screenshots'), { recursive: true });
        await page.screenshot({ path: join(root, 'test-output/screenshots/history-published.png') });
      }
      await page.close();
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('reads from file:// too', async () => {
    const page = await browser.context.newPage();
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(r.url()));
    await page.goto(pathToFileURL(join(tree, 'history.html')).href, { waitUntil: 'load' });
    expect(failed).toEqual([]);
    expect(await page.locator('figure.history-figure').count()).toBeGreaterThanOrEqual(8);
    // Styled: the header's stylesheet was found.
    expect(await page.locator('header.site').evaluate((h) => getComputedStyle(h).display)).toBe('flex');
    await page.close();
  });
});
