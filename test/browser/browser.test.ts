/**
 * The quick report in a real browser: Debian's Chromium through playwright-core
 * opens every built page over HTTP and checks what a reader meets. Screenshots
 * of every page (JavaScript on and off) go to test-output/screenshots/.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumPath, hasChromium, launchChromium } from '../../site/scripts/chromium.ts';
import { printReport } from '../../site/scripts/pdf.ts';
import { type StaticServer, serveDirectory } from '../../site/scripts/static-server.ts';
import { figureReport } from '../../site/scripts/walk-site.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { quickSite, root, tempDir } from '../helpers/helpers.ts';

const available = hasChromium();

/**
 * A full-page screenshot for people to look at, not something the tests
 * assert: Chromium sometimes cannot capture a very tall page (the print
 * version) on a busy machine, so it is tried again, then the first screenful
 * is kept instead of failing the test.
 */
async function saveScreenshot(page: Page, path: string): Promise<void> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      await page.screenshot({ path, fullPage: true });
      return;
    } catch (err) {
      if (!/Unable to capture screenshot/.test((err as Error).message)) throw err;
    }
  }
  await page.screenshot({ path });
}
if (!available) console.warn(`browser tests skipped: no Chromium at ${chromiumPath} (apt-get install chromium; .ci/run installs it)`);

const screenshots = join(root, 'test-output/screenshots');

describe.skipIf(!available)(`the quick report in Chromium${available ? '' : ` (skipped: no ${chromiumPath})`}`, () => {
  // The quick report, built once per test run and shared: read it, never write to it.
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  let pages: string[];

  beforeAll(async () => {
    out = await quickSite();
    pages = readdirSync(out)
      .filter((f) => f.endsWith('.html'))
      .sort();
    server = await serveDirectory(out);
    browser = await launchChromium();
    mkdirSync(screenshots, { recursive: true });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens a page, recording console errors, uncaught exceptions and failed requests. */
  async function open(name: string): Promise<{ page: Page; problems: string[] }> {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    await page.goto(`${server.url}/${name}`, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    return { page, problems };
  }

  it('builds the front page, every section and the print version', () => {
    expect(pages).toEqual(
      expect.arrayContaining([
        'index.html',
        'print.html',
        '1-1-simulate-function.html',
        '1-1-train-on-tasks.html',
        '1-2-optimization.html',
        '1-3-generalization.html',
      ]),
    );
  });

  it('loads every page with no console error and no failed request, every figure with marks; saves a screenshot', async () => {
    for (const name of pages) {
      const { page, problems } = await open(name);
      const figures = await figureReport(page);
      expect(problems, name).toEqual([]);
      for (const f of figures) {
        expect(f.charts, `${name} ${f.id}`).toBeGreaterThan(0);
        expect(Math.min(...f.marks), `${name} ${f.id}: a chart without marks`).toBeGreaterThan(0);
        expect(f.labelled, `${name} ${f.id}: every chart is an image with a name and a description`).toBe(true);
      }
      // The front page and the History page (filled in only when main is published) have no report figures.
      if (name !== 'index.html' && name !== 'history.html') expect(figures.length, name).toBeGreaterThan(0);
      await saveScreenshot(page, join(screenshots, name.replace(/\.html$/, '.png')));
      await page.close();
    }
  });

  it('reads without JavaScript: the figures are there as SVG, no script error', async () => {
    const off = await launchChromium({ javaScriptEnabled: false });
    try {
      for (const name of pages.filter((p) => p !== 'print.html')) {
        const page = await off.context.newPage();
        await page.goto(`${server.url}/${name}`, { waitUntil: 'load' });
        const built = (parseHTML(readFileSync(join(out, name), 'utf8')).document as unknown as Document).querySelectorAll('svg[data-scales]').length;
        expect(await page.locator('svg[data-scales]').count(), name).toBe(built);
        await saveScreenshot(page, join(screenshots, name.replace(/\.html$/, '.no-js.png')));
        await page.close();
      }
    } finally {
      await off.close();
    }
  });

  it('resolves every internal link, anchors included', async () => {
    const ids = new Map(
      pages.map((p) => [
        p,
        new Set([...(parseHTML(readFileSync(join(out, p), 'utf8')).document as unknown as Document).querySelectorAll('[id]')].map((e) => e.id)),
      ]),
    );
    const broken: string[] = [];
    let checked = 0;
    for (const name of pages) {
      const { document } = parseHTML(readFileSync(join(out, name), 'utf8'));
      for (const a of document.querySelectorAll('a[href]')) {
        const href = a.getAttribute('href')!;
        if (/^[a-z]+:/i.test(href)) continue;
        const url = new URL(href, `${server.url}/${name}`);
        const target = url.pathname.slice(1) || 'index.html';
        const response = await fetch(url);
        checked++;
        if (!response.ok) broken.push(`${name}: ${href} → HTTP ${response.status}`);
        else if (url.hash && !ids.get(target)?.has(decodeURIComponent(url.hash.slice(1))))
          broken.push(`${name}: ${href} → no element #${url.hash.slice(1)} in ${target}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });

  it('shows a tooltip with the values of the point under the pointer, on every chart', async () => {
    for (const name of pages.filter((p) => /^1-/.test(p))) {
      const { page, problems } = await open(name);
      const charts = await page.locator('svg[data-scales]').count();
      for (let i = 0; i < charts; i++) {
        const svg = page.locator('svg[data-scales]').nth(i);
        await svg.scrollIntoViewIfNeeded();
        // The first drawn point of the chart's first line or dot, in viewport coordinates.
        const at = await svg.evaluate((el: SVGSVGElement) => {
          const circle = el.querySelector('g[aria-label="dot"] circle');
          const path = el.querySelector('g[aria-label="line"] path');
          const target = (circle ?? path) as SVGGraphicsElement | null;
          if (!target) return null;
          const [x, y] = circle
            ? [Number(circle.getAttribute('cx')), Number(circle.getAttribute('cy'))]
            : path!
                .getAttribute('d')!
                .match(/-?[\d.]+/g)!
                .slice(0, 2)
                .map(Number);
          const p = new DOMPoint(x, y).matrixTransform(target.getScreenCTM()!);
          return { x: p.x, y: p.y };
        });
        if (!at) continue;
        await page.mouse.move(at.x + 2, at.y + 2);
        const tip = svg.locator('xpath=ancestor::figure[contains(concat(" ", @class, " "), " figure ")]//div[contains(@class, "figure-tooltip")]');
        await expect.poll(() => tip.isVisible(), { timeout: 2000 }).toBe(true);
        // Two values (x and y), each with a number.
        // biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, whose innerText is the rendered text
        expect(await tip.innerText(), `${name} chart ${i + 1}`).toMatch(/:\s*-?[\d.,]+( × 10[⁻⁰-⁹¹²³]+)?[\s\S]*:\s*-?[\d.,]+( × 10[⁻⁰-⁹¹²³]+)?/);
        await page.mouse.move(0, 0);
      }
      expect(problems, name).toEqual([]);
      await page.close();
    }
  });

  it('hides and shows a series from its legend entry', async () => {
    const { page } = await open('1-1-simulate-function.html');
    const figure = page.locator('figure.figure').first();
    const swatch = figure.locator('.series-toggle').first();
    const hidden = () => figure.locator('svg[data-scales] .series-hidden').count();
    expect(await hidden()).toBe(0);
    await swatch.click();
    expect(await swatch.getAttribute('aria-pressed')).toBe('false');
    expect(await hidden()).toBeGreaterThan(0);
    await swatch.press('Enter');
    expect(await swatch.getAttribute('aria-pressed')).toBe('true');
    expect(await hidden()).toBe(0);
    await page.close();
  });

  it('keeps the figures’ script small and off pages without figures', () => {
    const scriptBytes = (name: string) =>
      [...(parseHTML(readFileSync(join(out, name), 'utf8')).document as unknown as Document).querySelectorAll('script')].reduce(
        (n, s) => n + (s.textContent?.length ?? 0),
        0,
      );
    expect(scriptBytes('index.html')).toBe(0);
    for (const name of pages.filter((p) => /^1-/.test(p))) {
      const bytes = scriptBytes(name);
      expect(bytes, name).toBeGreaterThan(0);
      expect(bytes, name).toBeLessThan(100_000);
    }
  });

  it('finds no serious or critical accessibility violation (axe-core), on a desktop and on a phone', async () => {
    const found: string[] = [];
    // At a phone's width wide tables and charts scroll in their own boxes, which must then be reachable by keyboard.
    for (const [name, width] of pages.flatMap((p) => [1100, 390].map((w) => [p, w] as const))) {
      const { page } = await open(name);
      await page.setViewportSize({ width, height: 900 });
      found.push(...(await seriousViolations(page, `${name} at ${width} px`)));
      await page.close();
    }
    expect(found).toEqual([]);
  });

  it('prints the whole report into one PDF with a plausible number of pages', async () => {
    const pdf = join(tempDir(), 'report.pdf');
    const count = await printReport(out, pdf);
    // The front page and at least one page per section; a runaway layout would give hundreds.
    expect(count).toBeGreaterThanOrEqual(pages.filter((p) => /^1-/.test(p)).length + 1);
    expect(count).toBeLessThan(120);
    const bytes = readFileSync(pdf);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    // Bookmarks (an outline with an entry per section) and a structure tree (a tagged PDF).
    const text = bytes.toString('latin1');
    expect(text).toMatch(/\/Outlines\s+\d+ 0 R/);
    expect(text.match(/\/Title\s*\(|\/Title\s*<FEFF/g)?.length ?? 0).toBeGreaterThanOrEqual(pages.filter((p) => /^1-/.test(p)).length);
    expect(text).toMatch(/\/StructTreeRoot\s+\d+ 0 R/);
  });
});
