/**
 * npm run pdf [-- OUT.pdf]: prints the built report (print.html: the front page
 * and every section, in order) into one PDF through Chromium, with page numbers.
 * It prints what is in the site's output directory; it does not build it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseCommandLine } from '@hw1/pipeline/cli';
import { InputError, runMain, UsageError } from '@hw1/pipeline/errors';
import { siteOutDir } from '@hw1/pipeline/paths';
import { launchChromium } from './chromium.ts';
import { serveDirectory } from './static-server.ts';

/** A4 as Chromium prints it (8.27 × 11.7 in) and the margins, in mm; the print layout is measured against the area inside them. */
export const paper = { format: 'A4', width: 8.27 * 25.4, height: 11.7 * 25.4, margin: { top: 16, bottom: 18, left: 15, right: 15 } };

/** The printable area of a page in CSS px (96 per inch). */
export const printable = {
  width: ((paper.width - paper.margin.left - paper.margin.right) * 96) / 25.4,
  height: ((paper.height - paper.margin.top - paper.margin.bottom) * 96) / 25.4,
};

/** Prints `dir`/print.html to `out`; returns the number of pages. */
export async function printReport(dir: string, out: string): Promise<number> {
  const server = await serveDirectory(dir);
  // Closed in every case, also when Chromium cannot start.
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    await page.goto(`${server.url}/print.html`, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({
      path: out,
      format: paper.format,
      printBackground: true,
      // Bookmarks from the headings, and a tagged (accessible) PDF: a reader can jump to a section, a screen reader can read it.
      outline: true,
      tagged: true,
      margin: Object.fromEntries(Object.entries(paper.margin).map(([side, mm]) => [side, `${mm}mm`])),
      displayHeaderFooter: true,
      headerTemplate: '<div></div>',
      footerTemplate:
        `<div style="width:100%;font-family:system-ui,sans-serif;font-size:8px;color:#444;padding:0 ${paper.margin.left}mm;display:flex;justify-content:space-between">` +
        '<span>Deep learning report: depth, optimization, generalization</span><span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>',
    });
    // Each page is one "/Type /Page" object in the file Chromium writes.
    return pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
  } finally {
    await browser?.close();
    await server.close();
  }
}

const help = `Usage: npm run pdf [-- OUT.pdf]

Prints the built report (the front page and every section, in order) into one
A4 PDF through Chromium (HW1_CHROMIUM, default /usr/bin/chromium), with page
numbers. It prints what is in site/dist (or HW1_SITE_OUT); it does not build
it: run \`npx turbo run report\` first. Default output: report.pdf beside
index.html, which the report links to when built with HW1_SITE_PDF=report.pdf.
`;

async function main(argv: string[]): Promise<number> {
  const cl = parseCommandLine(argv, {}, help, { maxPositionals: Number.POSITIVE_INFINITY });
  if (!cl) return 0;
  const files = cl.positionals;
  if (files.length > 1) throw new UsageError(`expected at most one output file, got ${files.length}; see --help`);
  if (files[0] && !files[0].endsWith('.pdf')) throw new UsageError(`the output file should end in .pdf, got ${files[0]}`);
  const dir = siteOutDir();
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), files[0] ?? join(dir, 'report.pdf'));
  if (!existsSync(join(dir, 'print.html'))) {
    throw new InputError(
      `no built report in ${relative(process.cwd(), dir) || dir} (print.html is missing).\nBuild it first: npx turbo run report   (or HW1_PROFILE=quick npx turbo run report for the quick profile)`,
    );
  }
  if (!existsSync(dirname(out))) throw new InputError(`the directory for ${out} does not exist`);
  const started = performance.now();
  const pages = await printReport(dir, out);
  console.log(`wrote ${out} (${pages} pages, ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return 0;
}

if (import.meta.main) runMain(() => main(process.argv.slice(2)));
