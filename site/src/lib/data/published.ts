/**
 * What a published build links to beyond its own pages, from the build's
 * environment (the publish workflows set these; a local build sets neither):
 * - HW1_SITE_PDF: the PDF of this report, a file name beside index.html
 *   (`report.pdf`), printed into the built site after the build (`npm run pdf`).
 * - HW1_MAIN_REPORT: in a compare build, where main's published report is:
 *   relative to the compare site (`../../index.html` for a preview under
 *   pr/<n>/) or an absolute http(s) URL.
 */
import { InputError } from '@hw1/pipeline/errors';

export interface PublishedLinks {
  pdf: string | null;
  mainReport: string | null;
}

function pdfLink(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^[\w.-]+\.pdf$/.test(value) || value.startsWith('.')) {
    throw new InputError(`HW1_SITE_PDF=${JSON.stringify(value.slice(0, 80))}: expected a PDF file name beside index.html, such as report.pdf`);
  }
  return `./${value}`;
}

function mainReportLink(value: string | undefined): string | null {
  if (!value) return null;
  const absolute = /^https?:\/\/[^\s"'<>]+$/.test(value);
  const relative = /^\.{1,2}\/[^\s"'<>:]*$/.test(value);
  if (!absolute && !relative) {
    throw new InputError(
      `HW1_MAIN_REPORT=${JSON.stringify(value.slice(0, 80))}: expected main's report as a relative path (../../index.html) or an http(s) URL`,
    );
  }
  return value;
}

export function publishedLinks(env: NodeJS.ProcessEnv = process.env): PublishedLinks {
  return { pdf: pdfLink(env.HW1_SITE_PDF), mainReport: mainReportLink(env.HW1_MAIN_REPORT) };
}
