/**
 * `npm run pdf` on bad input: a clear message and exit code 2, never a stack trace; and the quick report's
 * pages filled: no forced page break, no figure too tall to share a page, content on most of each page.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, hasChromium, launchChromium } from '../../site/scripts/chromium.ts';
import { printable, printReport } from '../../site/scripts/pdf.ts';
import { serveDirectory } from '../../site/scripts/static-server.ts';
import { quickSite, root, tempDir } from '../helpers/helpers.ts';

function pdf(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [join(root, 'site/scripts/pdf.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run pdf, bad input', () => {
  it('says the report is not built and how to build it', () => {
    const r = pdf([], { HW1_SITE_OUT: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: no built report in .*\(print\.html is missing\)\.\nBuild it first: npx turbo run report/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names an output directory that does not exist', () => {
    const site = tempDir();
    writeFileSync(join(site, 'print.html'), '<!doctype html><title>x</title>');
    const r = pdf([join(site, 'no-such-dir', 'report.pdf')], { HW1_SITE_OUT: site });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: the directory for .*no-such-dir\/report\.pdf does not exist/);
  });

  it('says where it looked for Chromium and how to install it', () => {
    const site = tempDir();
    writeFileSync(join(site, 'print.html'), '<!doctype html><title>x</title>');
    const r = pdf([], { HW1_SITE_OUT: site, HW1_CHROMIUM: join(site, 'no-chromium') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: no Chromium at .*no-chromium: install Debian's package \(apt-get install chromium\) or set HW1_CHROMIUM/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe.skipIf(!hasChromium())(`npm run pdf, the pages${hasChromium() ? '' : ` (skipped: no ${chromiumPath})`}`, () => {
  let out: string;
  beforeAll(async () => {
    out = await quickSite();
  }, 900_000);

  it('breaks pages only where they are full, and fills them', async () => {
    const pages = await printReport(out, join(tempDir(), 'report.pdf'));
    // The same document in print media as one long page of the printable width: its height is the content's.
    const server = await serveDirectory(out);
    const browser = await launchChromium({ viewport: { width: Math.round(printable.width), height: Math.round(printable.height) } });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/print.html`, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      await page.emulateMedia({ media: 'print' });
      const layout = await page.evaluate(() => {
        const forced = /^(page|left|right|recto|verso)$/;
        return {
          height: document.documentElement.scrollHeight,
          column: document.querySelector('main')!.clientWidth,
          forcedBreaks: [...document.querySelectorAll('body *')]
            .filter((el) => forced.test(getComputedStyle(el).breakBefore) || forced.test(getComputedStyle(el).breakAfter))
            .map((el) => `${el.tagName.toLowerCase()}.${el.className}`),
          figures: [...document.querySelectorAll('.figure')].map((figure) => {
            const charts = [...figure.querySelectorAll('svg[data-scales]')].map((svg) => svg.getBoundingClientRect());
            return { id: figure.id, width: Math.min(...charts.map((r) => r.width)), height: charts.reduce((sum, r) => sum + r.height, 0) };
          }),
        };
      });
      expect(layout.forcedBreaks, 'a forced page break leaves the end of the page before it empty').toEqual([]);
      // print.astro: charts at most 2/3 as tall as the column is wide, unless already at their narrowest (560 px).
      const tall = layout.figures.filter((f) => f.height > (2 / 3) * layout.column + 1 && f.width > 561);
      expect(tall, 'figures too tall to share a page with a setup or a few paragraphs').toEqual([]);
      const fill = layout.height / (pages * printable.height);
      expect(fill, `${pages} pages hold ${(layout.height / printable.height).toFixed(1)} pages of content`).toBeGreaterThan(0.8);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
