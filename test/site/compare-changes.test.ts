/**
 * A compare build says which claims and figures changed: a claim's verdict or
 * a finding's chosen sentence that differs on the base, and every figure
 * marked changed or unchanged (drawn by a normal build of each side and
 * compared). The base here is the quick artifacts with two edits: the
 * shallow network "fits" the square wave perfectly (another sentence about
 * depth on it) and one run of random labels ends with another test loss
 * (Figure I drawn differently); everything else is the same.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Comparison } from '../../pipeline/src/compare/comparison.ts';
import { reportChangesSchema, toMarkdown, toText } from '../../pipeline/src/compare/comparison.ts';
import { resultHash } from '../../pipeline/src/core/artifact.ts';
import { comparisonOf } from '../helpers/compare-sides.ts';
import { buildSite, quickArtifacts, type Result, siteWorkspace, tempDir } from '../helpers/helpers.ts';

// biome-ignore lint/suspicious/noExplicitAny: an artifact's data edited as plain JSON, whatever its stage
function edit(artifacts: string, stage: string, change: (data: any) => void): void {
  const file = join(artifacts, stage, 'artifact.json');
  const artifact = JSON.parse(readFileSync(file, 'utf8'));
  change(artifact.data);
  artifact.manifest.dataHash = resultHash(artifact.data);
  writeFileSync(file, JSON.stringify(artifact));
}

describe('a compare build lists the claims and figures that changed', () => {
  const out = tempDir();
  let built: Result;
  let comparison: Comparison;

  beforeAll(async () => {
    const ws = siteWorkspace(await quickArtifacts());
    const baseArtifacts = tempDir();
    cpSync(ws.artifacts, baseArtifacts, { recursive: true });
    edit(baseArtifacts, 'simulate-function', (d) => {
      const sign = d.functions.find((f: { id: string }) => f.id === 'sign');
      const shallow = d.models.reduce((a: { depth: number }, b: { depth: number }) => (b.depth < a.depth ? b : a));
      for (const run of sign.results.find((r: { model: string }) => r.model === shallow.name).runs) run.finalLoss = 1e-9;
    });
    edit(baseArtifacts, 'random-labels', (d) => {
      d.runs[0].epochs.at(-1).test.loss *= 2;
    });
    let file: string;
    ({ file, comparison } = await comparisonOf(baseArtifacts, ws.artifacts, 'test'));
    built = buildSite(out, { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir, HW1_COMPARE: file });
  }, 900_000);

  it('lists the finding whose sentence the base data chose differently, and only that one', () => {
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const report = reportChangesSchema.parse(JSON.parse(readFileSync(join(out, 'report-changes.json'), 'utf8')));
    expect(report.claims).toBeGreaterThan(20);
    expect(report.changedClaims).toEqual([
      expect.objectContaining({ page: '1-1-simulate-function.html', check: 'depth-on-function', args: 'fn=sign', base: 'shallower fits better' }),
    ]);
    expect(report.changedClaims[0]!.head).not.toBe('shallower fits better');
    const { document } = parseHTML(readFileSync(join(out, 'changes.html'), 'utf8'));
    const section = document.getElementById('report-changes')!;
    expect(section.textContent).toMatch(/1 of \d+ claims and findings read differently on the base/);
    expect(section.textContent).toMatch(/depth-on-function fn=sign/);
    expect(section.textContent).toMatch(/shallower fits better/);
  });

  it('marks each figure changed or unchanged, in its caption and on the changes page', () => {
    const report = reportChangesSchema.parse(JSON.parse(readFileSync(join(out, 'report-changes.json'), 'utf8')));
    const mark = (label: string) => report.figures.find((f) => f.label === label)?.change;
    expect(mark('Figure I')).toBe('changed');
    // The shallow network's final losses are not drawn (the figures draw the loss per epoch and the predictions).
    for (const label of ['Figure A.1', 'Figure A.2', 'Figure B.2', 'Figure E', 'Figure J', 'Figure H']) expect(mark(label), label).toBe('unchanged');
    expect(report.figures.filter((f) => f.change === 'changed').map((f) => f.label)).toEqual(['Figure I']);
    // Every figure of every section page carries its mark, in words in the caption.
    const page = parseHTML(readFileSync(join(out, '1-3-generalization.html'), 'utf8')).document;
    const figureI = page.getElementById('figure-i')!;
    expect(figureI.getAttribute('data-change')).toBe('changed');
    expect(figureI.querySelector('figcaption')!.textContent).toMatch(/^Changed from the base/);
    const figures = [...page.querySelectorAll('figure.figure')];
    expect(figures.length).toBeGreaterThan(5);
    expect(figures.filter((f) => !f.hasAttribute('data-change')).map((f) => f.id)).toEqual([]);
    const changes = parseHTML(readFileSync(join(out, 'changes.html'), 'utf8')).document.getElementById('report-changes')!;
    expect(changes.textContent).toMatch(new RegExp(`1 of ${report.figures.length} figures are drawn differently from the base: Figure I\\.`));
    expect(changes.querySelector('a[href="1-3-generalization.html#figure-i"]')).not.toBeNull();
  });

  it('puts them in the Markdown and the terminal summary', () => {
    const report = reportChangesSchema.parse(JSON.parse(readFileSync(join(out, 'report-changes.json'), 'utf8')));
    const md = toMarkdown({ ...comparison, report });
    expect(md).toMatch(/#### Claims and figures\n\n- claim `depth-on-function fn=sign` \(1-1-simulate-function\): shallower fits better → /);
    expect(md).toMatch(/- figures drawn differently: Figure I \(of \d+\); unchanged: Figure A\.1, /);
    expect(toText({ ...comparison, report })).toMatch(/ {2}claim depth-on-function fn=sign \(1-1-simulate-function\): shallower fits better → /);
    // Without a site (--no-site) there is nothing to say about claims or figures.
    expect(toMarkdown(comparison)).not.toMatch(/Claims and figures/);
  });
});
