/**
 * Walks a served site in Chromium as a reader would: from its index, every
 * page reachable by a link under the same sub-path is opened; every request a
 * page makes (stylesheets, fonts, the figures' script) and every link it has
 * (pages, anchors' targets, the PDF) must answer 200; every figure must have
 * marks; no console error. What publishing rehearsals and their test check.
 */
import type { Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';

export interface PageVisit {
  url: string;
  figures: number;
  /** Figures whose charts draw nothing. */
  emptyFigures: string[];
  /** Where the page's "Main's published report" link points (compare builds with HW1_MAIN_REPORT), resolved. */
  mainReport: string | null;
}

export interface Walk {
  pages: PageVisit[];
  /** Links that are not pages (the PDF, the previews' list), checked to answer 200. */
  files: string[];
  problems: string[];
}

/** Each figure of the open page: its charts, the marks each draws (Plot's groups other than axes, grids and labels), and whether every chart is a named, described image. */
export const figureReport = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('figure.figure')].map((f) => {
      const charts = [...f.querySelectorAll('svg[data-scales]')];
      const marks = charts.map((svg) =>
        [...svg.querySelectorAll('g[aria-label]')]
          .filter((g) => !/axis|grid|label|tip/.test(g.getAttribute('aria-label') ?? ''))
          .reduce((n, g) => n + g.querySelectorAll('path[d]:not([d=""]), circle, rect, text, line').length, 0),
      );
      return {
        id: f.id,
        charts: charts.length,
        marks,
        labelled: charts.every((svg) => svg.getAttribute('role') === 'img' && !!svg.getAttribute('aria-label') && !!svg.getAttribute('aria-describedby')),
      };
    }),
  );

/**
 * Walks the site from the pages `starts` (e.g. http://127.0.0.1:4321/hw1-report/index.html), following links that
 * stay under `scope` (default: the first start's directory).
 */
export async function walkSite(starts: readonly string[], options: { scope?: string; maxPages?: number } = {}): Promise<Walk> {
  const scope = options.scope ?? new URL('.', starts[0]).href;
  const maxPages = options.maxPages ?? 200;
  const browser = await launchChromium();
  const walk: Walk = { pages: [], files: [], problems: [] };
  const seen = new Set<string>(starts);
  const queue = [...starts];
  const checkedFiles = new Set<string>();
  try {
    while (queue.length && walk.pages.length < maxPages) {
      const url = queue.shift()!;
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`${url}: console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`${url}: script error: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`${url}: request failed: ${r.url()} (${r.failure()?.errorText})`));
      page.on('response', (r) => {
        if (r.status() >= 400) problems.push(`${url}: ${r.status()} for ${r.url()}`);
      });
      const response = await page.goto(url, { waitUntil: 'load' });
      if (response?.status() !== 200) problems.push(`${url}: page answered ${response?.status() ?? 'nothing'}`);
      await page.evaluate(() => document.fonts.ready);
      const figures = (await figureReport(page)).map((f) => ({ id: f.id, empty: f.charts === 0 || Math.min(...f.marks) === 0 }));
      const links = await page.evaluate(() => [...document.querySelectorAll('a[href]')].map((a) => (a as HTMLAnchorElement).href));
      const main = await page.evaluate(() => (document.querySelector('a.main-report') as HTMLAnchorElement | null)?.href ?? null);
      walk.pages.push({ url, figures: figures.length, emptyFigures: figures.filter((f) => f.empty).map((f) => f.id), mainReport: main });
      for (const f of figures.filter((x) => x.empty)) problems.push(`${url}: figure ${f.id} draws nothing`);
      for (const link of links) {
        const target = new URL(link);
        target.hash = '';
        const href = target.href;
        if (!href.startsWith('http://127.0.0.1') && !href.startsWith('http://localhost')) continue;
        const isPage = href.endsWith('.html') || href.endsWith('/');
        if (isPage && href.startsWith(scope)) {
          if (!seen.has(href)) {
            seen.add(href);
            queue.push(href);
          }
        } else if (!checkedFiles.has(href)) {
          checkedFiles.add(href);
          const r = await page.request.get(href);
          if (r.status() !== 200) problems.push(`${url}: link to ${href} answered ${r.status()}`);
          else walk.files.push(href);
        }
      }
      walk.problems.push(...problems);
      await page.close();
    }
    if (queue.length) walk.problems.push(`stopped after ${maxPages} pages`);
  } finally {
    await browser.close();
  }
  return walk;
}
