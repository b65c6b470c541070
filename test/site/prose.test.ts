/**
 * site/scripts/prose-check.ts, which fails the build on prose MDX or missing
 * data can break silently: on small pages with each fault and without it.
 */
import { describe, expect, it } from 'vitest';
import { proseProblems } from '../../site/scripts/prose-check.ts';

const page = (body: string) => `<!doctype html><html><body><main><article>${body}</article></main></body></html>`;
const problems = (body: string) => proseProblems(page(body), 'p.html').map((p) => p.problem);

describe('the prose check', () => {
  it('passes whole sentences with values inside them, and a continuation after display maths', () => {
    expect(
      problems(
        '<p>The test accuracy <span class="value">falls</span> (from <span class="value">87.0%</span> to <span class="value">85.2%</span>).</p>' +
          '<p>With <span class="katex">λ</span> the eigenvalues,</p><span class="katex-display">x</span><p>where n is the parameter count.</p>' +
          '<p><span class="value">CIFAR-10 is not installed here, so no model is ranked on it.</span></p>',
      ),
    ).toEqual([]);
  });

  it('finds a value left outside its sentence and the sentence it split (an MDX component alone on its line)', () => {
    const found = problems(
      '<p>the test loss rises, the sensitivity</p>\n<span class="value">shows no monotone trend</span>\n<p>(<span class="value">0.537</span> to <span class="value">0.522</span>) and so on.</p>',
    );
    expect(found).toEqual([
      'a value outside any sentence (an MDX component alone on its line; join it to its sentence)',
      'a sentence split across paragraphs (the paragraph goes on from the one before)',
    ]);
  });

  it('finds a paragraph that is only a value, a paragraph that goes on from the last, and placeholders', () => {
    expect(problems('<p><span class="value">0.537</span></p>')).toEqual(['a paragraph holding only a value (put the component on a line with its sentence)']);
    expect(problems('<p>The sharpness</p><p>rises overall.</p>')).toEqual(['a sentence split across paragraphs (the paragraph goes on from the one before)']);
    expect(problems('<p>On CIFAR-10 the best is <span class="value">(not computed: CIFAR-10 is not installed)</span>.</p>')).toEqual([
      'a placeholder in the text ("(not computed")',
    ]);
    expect(problems('<p>The median is NaN.</p>')).toEqual(['a placeholder in the text ("NaN")']);
  });
});
