/**
 * The end of the build log lists every claim the data contradict (and the ones
 * that could not be checked), read back from the built pages; with
 * HW1_STRICT=1 a contradicted claim fails the build.
 *
 * In a compare build (npm run diff) it also lists, on the "What changed" page
 * and in report-changes.json beside it (which the diff adds to its tables),
 * the claims whose verdict differs between base and head, the findings whose
 * chosen sentence differs, and every figure marked changed or unchanged.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuiltClaims, builtClaimsSchema, type ReportChanges } from '@hw1/pipeline/comparison';
import { escapeHtml } from '@hw1/pipeline/format';
import type { AstroIntegration } from 'astro';
import { parseHTML } from 'linkedom';

export interface BuiltClaim {
  page: string;
  status: string;
  check: string;
  args: string;
  text: string;
  evidence: string;
  /** A finding's chosen outcome (absent for a plain claim). */
  outcome: string | null;
  /** Compare build: the base's verdict ("absent": no base data) and outcome; null in a normal build. */
  base: { status: string; outcome: string | null; evidence: string } | null;
}

/** Every claim on the built pages under `dir`, in page order. */
export function builtClaims(dir: string): BuiltClaim[] {
  return reportPages(dir).flatMap((page) => {
    const { document } = parseHTML(readFileSync(join(dir, page), 'utf8'));
    return [...document.querySelectorAll('[data-claim]')].map((el) => {
      const copy = el.cloneNode(true) as Element;
      for (const mark of copy.querySelectorAll('.claim-mark, .claim-flag')) mark.remove();
      return {
        page,
        status: el.getAttribute('data-claim') ?? '',
        check: el.getAttribute('data-check') ?? '',
        args: el.getAttribute('data-args') ?? '',
        text: (copy.textContent ?? '').replace(/\s+/g, ' ').trim(),
        evidence: el.getAttribute('data-evidence') ?? '',
        outcome: el.getAttribute('data-outcome'),
        base: el.hasAttribute('data-base-claim')
          ? {
              status: el.getAttribute('data-base-claim')!,
              outcome: el.getAttribute('data-base-outcome'),
              evidence: el.getAttribute('data-base-evidence') ?? '',
            }
          : null,
      };
    });
  });
}

export interface BuiltFigure {
  page: string;
  id: string;
  label: string;
  change: 'changed' | 'unchanged' | 'new';
  why: string;
}

/** Every figure of a compare build with its mark, in page order. */
export function builtFigures(dir: string): BuiltFigure[] {
  return reportPages(dir).flatMap((page) => {
    const { document } = parseHTML(readFileSync(join(dir, page), 'utf8'));
    return [...document.querySelectorAll('figure[data-change]')].map((el) => ({
      page,
      id: el.getAttribute('id') ?? '',
      label: el.getAttribute('data-label') ?? '',
      change: el.getAttribute('data-change') as BuiltFigure['change'],
      why: el.querySelector('.change-mark')?.getAttribute('title') ?? '',
    }));
  });
}

/** A claim whose verdict, or a finding whose chosen sentence, differs between base and head. */
export const verdictChanged = (c: BuiltClaim): boolean =>
  c.base !== null && (c.base.status !== c.status || (c.outcome !== null && c.base.outcome !== c.outcome));

const verdictWords: Record<string, string> = { pass: 'holds', fail: 'contradicted', unchecked: 'not checked', absent: 'no base data' };
/** A verdict as the page says it: a claim's ("holds"), or a finding's chosen outcome in words ("seeds overlap"). */
export const verdictText = (status: string, outcome: string | null): string =>
  outcome !== null && outcome !== 'yes' && outcome !== 'no' && status === 'pass' ? outcome.replace(/-/g, ' ') : (verdictWords[status] ?? status);

/** The "Claims and figures" section of changes.html, from the built pages. */
export function reportChangesHtml(claims: readonly BuiltClaim[], figures: readonly BuiltFigure[]): string {
  const changed = claims.filter(verdictChanged);
  const out = ['<h2>Claims and figures</h2>'];
  out.push(
    changed.length
      ? `<p>${changed.length} of ${claims.length} claims and findings read differently on the base: a claim whose verdict changed, or a finding for which the data chose another sentence.</p>`
      : `<p>Every one of the ${claims.length} claims and findings reads the same on the base: the same verdicts, and the data chose the same sentences.</p>`,
  );
  if (changed.length) {
    out.push(
      '<table class="changes" tabindex="0"><thead><tr><th scope="col">where</th><th scope="col">claim (as the head reads)</th><th scope="col">base</th><th scope="col">head</th></tr></thead><tbody>',
      ...changed.map(
        (c) =>
          `<tr><td><a href="${escapeHtml(c.page)}">${escapeHtml(c.page.replace(/\.html$/, ''))}</a></td><td>${escapeHtml(c.text)}<br /><small><code>${escapeHtml(`${c.check}${c.args ? ` ${c.args}` : ''}`)}</code></small></td><td class="changed" title="${escapeHtml(c.base!.evidence)}">${escapeHtml(verdictText(c.base!.status, c.base!.outcome))}</td><td class="changed" title="${escapeHtml(c.evidence)}">${escapeHtml(verdictText(c.status, c.outcome))}</td></tr>`,
      ),
      '</tbody></table>',
    );
  }
  const by = (k: BuiltFigure['change']) => figures.filter((f) => f.change === k);
  const links = (fs: readonly BuiltFigure[]) => fs.map((f) => `<a href="${escapeHtml(`${f.page}#${f.id}`)}">${escapeHtml(f.label)}</a>`).join(', ');
  const [changedFigures, newFigures, same] = [by('changed'), by('new'), by('unchanged')];
  out.push(
    `<p>${changedFigures.length} of ${figures.length} figures are drawn differently from the base${changedFigures.length ? `: ${links(changedFigures)}` : ''}.` +
      (newFigures.length ? ` New (no base data): ${links(newFigures)}.` : '') +
      (same.length ? ` Unchanged: ${links(same)}.` : '') +
      ' Each figure says which in its caption.</p>',
  );
  return out.join('\n');
}

/** The report's pages, in order; print.html repeats every section, so each claim and figure is counted on its own page. */
function reportPages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html') && f !== 'print.html' && f !== 'changes.html')
    .sort();
}

/** Compare build: the claims and figures that changed, into changes.html's placeholder and report-changes.json. */
function writeReportChanges(dir: string): void {
  const claims = builtClaims(dir);
  const figures = builtFigures(dir);
  const page = join(dir, 'changes.html');
  const html = readFileSync(page, 'utf8');
  const marker = /<section id="report-changes"[^>]*>[\s\S]*?<\/section>/;
  if (!marker.test(html)) throw new Error('changes.html has no <section id="report-changes"> to list the claims and figures that changed in');
  writeFileSync(page, html.replace(marker, `<section id="report-changes">${reportChangesHtml(claims, figures)}</section>`));
  const changed = claims.filter(verdictChanged);
  writeFileSync(
    join(dir, 'report-changes.json'),
    `${JSON.stringify(
      {
        claims: claims.length,
        changedClaims: changed.map((c) => ({
          page: c.page,
          check: c.check,
          args: c.args,
          text: c.text,
          base: verdictText(c.base!.status, c.base!.outcome),
          head: verdictText(c.status, c.outcome),
        })),
        figures: figures.map(({ page, id, label, change }) => ({ page, id, label, change })),
      } satisfies ReportChanges,
      null,
      2,
    )}\n`,
  );
}

/** claims.json beside the pages: every claim and finding with its verdict, the record `npm run history` counts per commit. */
function writeClaimsFile(dir: string, claims: readonly BuiltClaim[]): void {
  const file: BuiltClaims = {
    version: 1,
    claims: claims.map((c) => ({
      page: c.page,
      check: c.check,
      args: c.args,
      status: c.status as BuiltClaims['claims'][number]['status'],
      outcome: c.outcome,
    })),
  };
  writeFileSync(join(dir, 'claims.json'), `${JSON.stringify(builtClaimsSchema.parse(file), null, 1)}\n`);
}

export function claimsLog(): AstroIntegration {
  return {
    name: 'hw1-claims',
    hooks: {
      'astro:build:done': ({ dir }) => {
        const claims = builtClaims(fileURLToPath(dir));
        writeClaimsFile(fileURLToPath(dir), claims);
        if (process.env.HW1_COMPARE) writeReportChanges(fileURLToPath(dir));
        const failed = claims.filter((c) => c.status === 'fail');
        const skipped = claims.filter((c) => c.status === 'unchecked');
        const line = (c: BuiltClaim) => `  ${c.page}: [${c.check}${c.args ? ` ${c.args}` : ''}] “${c.text}”\n      ${c.evidence}`;
        const out: string[] = [
          `claims: ${claims.length} checked against the artifacts, ${claims.length - failed.length - skipped.length} hold, ${failed.length} contradicted, ${skipped.length} not checkable`,
        ];
        if (failed.length) out.push('contradicted by the data (flagged on the page):', ...failed.map(line));
        if (skipped.length) out.push('not checked (data missing):', ...skipped.map(line));
        if (failed.length && process.env.HW1_STRICT === '1') {
          console.log(out.join('\n'));
          throw new Error(
            `HW1_STRICT=1: ${failed.length} claim${failed.length === 1 ? '' : 's'} contradicted by the data (listed above); fix the prose or the experiment`,
          );
        }
        // Printed when the build exits, after Astro's own lines, so the list closes the build log.
        process.once('exit', () => console.log(out.join('\n')));
      },
    },
  };
}
