/**
 * Checks the built report's prose for what MDX and missing data can break
 * without any error: a value standing outside any sentence (an MDX component
 * alone on its line becomes a block of its own, between paragraphs) or a
 * paragraph holding nothing but one value, a sentence split across
 * paragraphs (a paragraph that starts in lower case or with "(" right after
 * another paragraph or a stray value), and a placeholder left in the text.
 * A continuation after display maths ("where λ is …") is not a split.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';

export interface ProseProblem {
  file: string;
  problem: string;
  text: string;
}

const placeholders = /\(not computed|\bundefined\b|\bNaN\b|\[object Object\]|TODO|TBD/;

const clip = (text: string) => (text.length > 90 ? `${text.slice(0, 87)}…` : text);

/** The problems in one page's HTML. */
export function proseProblems(html: string, file: string): ProseProblem[] {
  const { document } = parseHTML(html);
  const problems: ProseProblem[] = [];
  const stray = (el: Element | null) => !!el && el.tagName === 'SPAN' && el.classList.contains('value') && el.parentElement?.tagName !== 'P';
  for (const v of document.querySelectorAll('main .value')) {
    const parent = v.parentElement;
    if (parent && ['ARTICLE', 'MAIN', 'SECTION', 'DIV'].includes(parent.tagName) && stray(v)) {
      problems.push({
        file,
        problem: 'a value outside any sentence (an MDX component alone on its line; join it to its sentence)',
        text: clip((v.textContent ?? '').trim()),
      });
    }
  }
  for (const p of document.querySelectorAll('main p')) {
    const text = (p.textContent ?? '').replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const only = p.children.length === 1 ? p.children[0]! : null;
    if (only?.classList.contains('value') && (only.textContent ?? '').replace(/\s+/g, ' ').trim() === text && !/[.!?]$/.test(text)) {
      problems.push({ file, problem: 'a paragraph holding only a value (put the component on a line with its sentence)', text: clip(text) });
    }
    const before = p.previousElementSibling;
    if (/^[a-z(]/.test(text) && ((before?.tagName === 'P' && !before.querySelector('.katex-display')) || stray(before))) {
      problems.push({ file, problem: 'a sentence split across paragraphs (the paragraph goes on from the one before)', text: clip(text) });
    }
    const found = placeholders.exec(text);
    if (found) problems.push({ file, problem: `a placeholder in the text ("${found[0]}")`, text: clip(text) });
  }
  return problems;
}

/** The problems in every page of a built site. */
export function checkProse(dir: string): ProseProblem[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .flatMap((f) => proseProblems(readFileSync(join(dir, f), 'utf8'), f));
}
