/**
 * The published History page (site/scripts/history-page.ts, run by pages.ts
 * when main is published): each publish adds its build's entry to history/,
 * keeps what the branch held, keeps the newest N, skips what is not an entry,
 * and draws one line per headline metric with the moved points ringed. Two
 * publishers racing for the branch both land their entries.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { type HistoryEntry, readEntry } from '../../pipeline/src/history/entry.ts';
import { renderHistory } from '../../site/scripts/history-page.ts';
import { applyChange, mustGit } from '../../site/scripts/pages.ts';
import { root, tempDir } from '../helpers/helpers.ts';

const script = join(root, 'site/scripts/pages.ts');

/** Entry `i`: its own commit and date; `loss` moves the one loss metric (seeds 0.9–1.1 times it). */
function entry(i: number, loss = 1, extra: Partial<HistoryEntry> = {}): HistoryEntry {
  return readEntry({
    version: 1,
    commit: `${(0x1000000 + i).toString(16)}${'a'.repeat(33)}`,
    date: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString(),
    subject: `commit ${i}`,
    dirty: false,
    profile: 'quick',
    backend: 'wasm',
    builtAt: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000 + 60_000).toISOString(),
    stages: [
      {
        name: 'simulate-function',
        metrics: [
          { name: 'sinc · shallow · final training loss', format: 'sci', better: 'lower', value: loss, min: 0.9 * loss, max: 1.1 * loss, seeds: 3 },
          { name: 'sinc · deep · final training loss', format: 'sci', better: 'lower', value: 2, min: 1.8, max: 2.2, seeds: 3 },
        ],
      },
      { name: 'minimal-ratio', metrics: [{ name: 'minimal ratio', format: 'fixed', better: null, value: 0.4, min: 0.3, max: 0.5, seeds: 8 }] },
    ],
    claims: [{ check: 'fit-models-same-size', args: '', status: 'pass', outcome: null }],
    ...extra,
  });
}

/** A built site as the report build leaves it: pages, the History page's empty section, its entry. */
function site(e: HistoryEntry | null): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'index.html'), '<p>report</p>');
  writeFileSync(
    join(dir, 'history.html'),
    '<main><h1>Results over commits</h1><section id="history" data-hw1-history="empty"><p>built locally</p></section></main>',
  );
  if (e) writeFileSync(join(dir, 'history-entry.json'), JSON.stringify(e));
  return dir;
}

const page = (tree: string) => parseHTML(readFileSync(join(tree, 'history.html'), 'utf8')).document as unknown as Document;
const index = (tree: string) =>
  (JSON.parse(readFileSync(join(tree, 'history/index.json'), 'utf8')) as { entries: { commit: string }[] }).entries.map((x) => x.commit);
const publish = (tree: string, s: string, ...args: string[]) => spawnSync(process.execPath, [script, 'main', s, '--tree', tree, ...args], { encoding: 'utf8' });

describe('the History page of the published site', () => {
  it('keeps the entries the tree holds and adds the new one: two points per metric, the moved one ringed, each linked to its commit', () => {
    const tree = tempDir();
    expect(publish(tree, site(entry(1, 1))).status).toBe(0);
    // The loss fell to a fifth: far beyond the seeds' spread (0.9–1.1 of it).
    const second = publish(tree, site(entry(2, 0.2)), '--commit-url', 'https://example.org/o/r/commit/');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout.trim()).toBe('main’s report; history: 2 publishes');
    expect(index(tree)).toEqual([entry(1).commit, entry(2).commit]);
    expect(readdirSync(join(tree, 'history')).sort()).toEqual([`${entry(1).commit}.json`, `${entry(2).commit}.json`, 'index.json']);
    const doc = page(tree);
    const figures = [...doc.querySelectorAll('figure.history-figure')];
    expect(figures.map((f) => f.querySelector('figcaption')!.textContent)).toEqual([
      expect.stringMatching(
        /^simulate-function sinc · shallow · final training loss: 0\.200 \(0\.180 to 0\.220\) at 1000002; 2 publishes with a value, 1 moved/,
      ),
      expect.stringMatching(/^simulate-function sinc · deep · final training loss: 2\.00 \(1\.80 to 2\.20\)/),
      expect.stringMatching(/^minimal-ratio minimal ratio: 0\.400/),
    ]);
    for (const f of figures) expect(f.querySelectorAll('circle')).toHaveLength(2);
    expect(figures[0]!.querySelectorAll('circle.history-moved')).toHaveLength(1);
    expect(figures[1]!.querySelectorAll('circle.history-moved')).toHaveLength(0);
    expect([...figures[0]!.querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual([
      `https://example.org/o/r/commit/${entry(1).commit}`,
      `https://example.org/o/r/commit/${entry(2).commit}`,
    ]);
    expect(doc.querySelector('#history')!.getAttribute('data-hw1-history')).toBe('2');
  });

  it('marks where a claim’s verdict changed, and escapes what the entries say', () => {
    const html = renderHistory([
      entry(1),
      entry(2, 1, { subject: '<script>alert(1)</script>', claims: [{ check: 'fit-models-same-size', args: '', status: 'fail', outcome: null }] }),
    ]);
    const { document } = parseHTML(`<main>${html}</main>`);
    expect([...document.querySelectorAll('.history-changes li')].map((li) => li.textContent)).toEqual([
      '1000002 (2026-01-03): fit-models-same-size holds → contradicted',
    ]);
    expect(document.querySelectorAll('line.history-change').length).toBe(3);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('skips, with a warning each, what the tree holds that is not an entry, and keeps the rest', () => {
    const tree = tempDir();
    applyChange(tree, { kind: 'main', site: site(entry(1)) }, null, undefined, { warn: () => {} });
    const history = join(tree, 'history');
    writeFileSync(join(history, `${'b'.repeat(40)}.json`), '{ not json');
    writeFileSync(join(history, `${'c'.repeat(40)}.json`), JSON.stringify({ ...entry(3), version: 2 }));
    writeFileSync(join(history, `${'d'.repeat(40)}.json`), JSON.stringify(entry(4)));
    writeFileSync(join(history, `${'e'.repeat(40)}.json`), JSON.stringify({ ...entry(5), subject: 'x'.repeat(300_000) }));
    writeFileSync(join(history, 'notes.txt'), 'mine');
    symlinkSync('/etc/passwd', join(history, `${'f'.repeat(40)}.json`));
    const warnings: string[] = [];
    applyChange(tree, { kind: 'main', site: site(entry(2)) }, null, undefined, { warn: (l) => warnings.push(l) });
    expect(index(tree)).toEqual([entry(1).commit, entry(2).commit]);
    expect(warnings).toEqual([
      expect.stringMatching(/^history\/b{40}\.json: not a history entry \(.*JSON.*\); skipped$/),
      `history/${'c'.repeat(40)}.json: not a history entry (version: expected 1); skipped`,
      expect.stringMatching(/^history\/d{40}\.json: holds commit 1000004aaaaa; skipped$/),
      expect.stringMatching(/^history\/e{40}\.json: \d+ bytes, more than 262144; skipped$/),
      `history/${'f'.repeat(40)}.json: not a plain file; skipped`,
      "history/notes.txt: not a history entry's name; skipped",
    ]);
  });

  it('keeps the newest --keep-history publishes, one per commit', () => {
    const tree = tempDir();
    for (const i of [1, 2, 3, 4, 5, 3]) expect(publish(tree, site(entry(i)), '--keep-history', '3').status).toBe(0);
    expect(index(tree)).toEqual([entry(3).commit, entry(4).commit, entry(5).commit]);
    expect(publish(tree, site(entry(6)), '--keep-history', '0').stderr).toMatch(/--keep-history: expected a number of publishes from 1 to 99999, got "0"/);
    expect(publish(tree, site(entry(6)), '--commit-url', 'javascript:alert(1)/').stderr).toMatch(/--commit-url: expected an http\(s\) URL ending in \//);
  });

  it('draws 1 and 200 publishes', () => {
    const one = parseHTML(`<main>${renderHistory([entry(1)])}</main>`).document;
    expect(one.querySelectorAll('figure.history-figure')).toHaveLength(3);
    expect(one.querySelectorAll('path.history-line')).toHaveLength(0);
    const many = Array.from({ length: 200 }, (_, i) => entry(i + 1, 1 + 0.3 * Math.sin(i)));
    const doc = parseHTML(`<main>${renderHistory(many)}</main>`).document;
    expect(doc.querySelectorAll('figure.history-figure')).toHaveLength(3);
    for (const f of doc.querySelectorAll('figure.history-figure')) expect(f.querySelectorAll('circle')).toHaveLength(200);
    expect(doc.querySelectorAll('.history-publishes tbody tr')).toHaveLength(200);
  });

  it('refuses a site that holds a history/ folder of its own', () => {
    const s = site(entry(1));
    mkdirSync(join(s, 'history'));
    writeFileSync(join(s, 'history', 'x.json'), '{}');
    expect(() => applyChange(tempDir(), { kind: 'main', site: s })).toThrow(/holds a history\/ entry, where the history goes/);
  });

  it('keeps both entries when two publishes of main race for the branch', async () => {
    const dir = tempDir();
    const origin = join(dir, 'origin.git');
    mustGit(dir, ['init', '--quiet', '--bare', origin]);
    const checkouts = ['a', 'b'].map((name) => {
      const c = join(dir, name);
      mustGit(dir, ['clone', '--quiet', origin, c]);
      mustGit(c, ['commit', '--quiet', '--allow-empty', '-m', 'project']);
      return c;
    });
    const run = (cwd: string, s: string): Promise<{ code: number | null; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [script, 'main', s], { cwd });
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('close', (code) => resolve({ code, err }));
      });
    const results = await Promise.all([run(checkouts[0]!, site(entry(1))), run(checkouts[1]!, site(entry(2)))]);
    for (const r of results) expect(r.code, r.err).toBe(0);
    const files = mustGit(origin, ['ls-tree', '-r', '--name-only', 'gh-pages']).split('\n');
    expect(files.filter((f) => f.startsWith('history/')).sort()).toEqual([
      `history/${entry(1).commit}.json`,
      `history/${entry(2).commit}.json`,
      'history/index.json',
    ]);
  }, 300_000);
});
