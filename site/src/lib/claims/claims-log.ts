/**
 * The end of the build log lists every claim the data contradict (and the ones
 * that could not be checked), read back from the built pages; with
 * HW1_STRICT=1 a contradicted claim fails the build.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { parseHTML } from 'linkedom';

export interface BuiltClaim {
  page: string;
  status: string;
  check: string;
  args: string;
  text: string;
  evidence: string;
}

/** Every claim on the built pages under `dir`, in page order. */
export function builtClaims(dir: string): BuiltClaim[] {
  // print.html repeats every section's claims: each is counted on its own page.
  const pages = readdirSync(dir)
    .filter((f) => f.endsWith('.html') && f !== 'print.html')
    .sort();
  return pages.flatMap((page) => {
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
      };
    });
  });
}

export function claimsLog(): AstroIntegration {
  return {
    name: 'hw1-claims',
    hooks: {
      'astro:build:done': ({ dir }) => {
        const claims = builtClaims(fileURLToPath(dir));
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
