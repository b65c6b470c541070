/**
 * Publishing, rehearsed: main's quick report (with its PDF) and a pull
 * request's compare site (linking back to main) go through
 * `npm run publish:local` onto a scratch gh-pages branch, served under
 * /hw1-report/ as GitHub Pages serves a project, and walked in Chromium:
 * every page, link, stylesheet, font and the PDF answers 200, every figure
 * has marks, every preview page links to main's report. A missing font or
 * PDF is caught. The same build also reads from file://, fonts and all.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, hasChromium, launchChromium } from '../../site/scripts/chromium.ts';
import { printReport } from '../../site/scripts/pdf.ts';
import { rootAbsoluteUrls } from '../../site/scripts/relative-urls.ts';
import { comparisonOf } from '../helpers/compare-sides.ts';
import { buildSite, quickArtifacts, root, siteWorkspace, tempDir } from '../helpers/helpers.ts';

const available = hasChromium();

/** `npm run publish:local -- args` (the script itself, as npm runs it). */
function publishLocal(args: string[]) {
  return spawnSync(process.execPath, [join(root, 'site/scripts/publish-local.ts'), ...args], { cwd: root, encoding: 'utf8' });
}

describe.skipIf(!available)(`publishing, rehearsed${available ? '' : ` (skipped: no ${chromiumPath})`}`, () => {
  let main: string;
  let preview: string;

  beforeAll(async () => {
    const quick = await quickArtifacts();
    const ws = siteWorkspace(quick);
    const env = { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir };
    // Main's report as publish.yml builds it: with the PDF link, then the PDF printed into it.
    main = join(tempDir(), 'main');
    const built = buildSite(main, { ...env, HW1_SITE_PDF: 'report.pdf' });
    expect(built.status, built.stderr).toBe(0);
    await printReport(main, join(main, 'report.pdf'));
    // A compare site as preview.yml builds it (npm run diff's comparison, here of the quick artifacts with themselves).
    const { file: comparison } = await comparisonOf(ws.artifacts, ws.artifacts);
    preview = join(tempDir(), 'preview');
    const compared = buildSite(preview, { ...env, HW1_COMPARE: comparison, HW1_MAIN_REPORT: '../../index.html' });
    expect(compared.status, compared.stderr).toBe(0);
  }, 900_000);

  it('builds pages that name no root-absolute URL', () => {
    expect(rootAbsoluteUrls(main)).toEqual([]);
    expect(rootAbsoluteUrls(preview)).toEqual([]);
  });

  it('serves main’s report and a preview under a sub-path with every link, asset, font and figure working', () => {
    const r = publishLocal(['--site', main, '--preview', preview, '--pr', '7', '--sub-path', '/hw1-report', '--check']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // Main: front page, print, four sections, History; the previews' list; the preview: the same and "What changed".
    expect(r.stdout).toMatch(
      /walked 16 pages \(8 of pull request #7\) and 1 other files under http:\/\/127\.0\.0\.1:\d+\/hw1-report\/: \d+ figures, 0 problems/,
    );
    expect(r.stderr).toMatch(/published to gh-pages: main’s report/);
    expect(r.stderr).toMatch(/published to gh-pages: preview of pull request #7/);
  }, 600_000);

  it('catches a missing font and a missing PDF', () => {
    const broken = join(tempDir(), 'broken');
    cpSync(main, broken, { recursive: true });
    for (const f of readdirSync(join(broken, '_astro')).filter((n) => /^KaTeX_Main-Regular\..*\.woff2$/.test(n))) rmSync(join(broken, '_astro', f));
    rmSync(join(broken, 'report.pdf'));
    const r = publishLocal(['--site', broken, '--preview', preview, '--check']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/404 for http:\/\/127\.0\.0\.1:\d+\/hw1-report\/_astro\/KaTeX_Main-Regular\.[\w-]+\.woff2/);
    expect(r.stdout).toMatch(/link to http:\/\/127\.0\.0\.1:\d+\/hw1-report\/report\.pdf answered 404/);
  }, 600_000);

  it('reads from file:// too: stylesheet and KaTeX fonts load, no request fails', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      const failed: string[] = [];
      page.on('requestfailed', (r) => failed.push(r.url()));
      page.on('response', (r) => r.status() >= 400 && failed.push(r.url()));
      await page.goto(pathToFileURL(join(main, '1-2-optimization.html')).href, { waitUntil: 'load' });
      await page.evaluate(() => document.fonts.ready);
      const fonts = await page.evaluate(() => [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family));
      expect(failed).toEqual([]);
      expect(fonts).toEqual(expect.arrayContaining(['KaTeX_Main']));
      expect(await page.locator('.katex').count()).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  }, 300_000);

  it('refuses bad options with exit code 2', () => {
    expect(publishLocal(['--pr', 'x']).status).toBe(2);
    expect(publishLocal(['--bogus']).status).toBe(2);
    expect(publishLocal(['--site', tempDir()]).stderr).toMatch(/no built site/);
    const help = publishLocal(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--sub-path <p>/);
  });
});
