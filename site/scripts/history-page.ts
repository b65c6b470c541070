/**
 * The published site's history: every publish of main leaves its build's
 * summary (pipeline/src/history/entry.ts: history-entry.json, which
 * `npm run history -- --record` writes beside the built pages) in the Pages branch as history/<commit>.json, with
 * history/index.json listing them; the newest `keep` (default 200) are kept.
 * From all of them this module writes the body of history.html: a table of
 * the publishes, the claims whose verdict changed and where, and for each
 * headline metric a line over commits (the median) with its seeds' band, a
 * point ringed where it moved beyond the spread of the publish before, each
 * point linked to its commit.
 *
 * It runs in the publish step with nothing installed (pages.ts), so it
 * imports Node's built-in modules and the entry's dependency-free definition
 * only, and draws its SVG itself. Entries are data: each is validated when
 * read (readEntry), a bad, foreign or oversized file is skipped with a
 * warning, and every string is escaped before it reaches the page.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml, formatValue } from '../../pipeline/src/core/format.ts';
import {
  changedVerdicts,
  type EntryCell,
  HISTORY_ENTRY_FILE,
  type HistoryEntry,
  MAX_ENTRY_BYTES,
  movedSince,
  readEntry,
} from '../../pipeline/src/history/entry.ts';

export const HISTORY_DIR = 'history';
export const DEFAULT_KEEP = 200;
const PAGE = 'history.html';

/** One entry file, or null with a warning saying why it is skipped. */
function readEntryFile(file: string, label: string, warn: (line: string) => void): HistoryEntry | null {
  const st = lstatSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) {
    warn(`${label}: not a plain file; skipped`);
    return null;
  }
  if (st.size > MAX_ENTRY_BYTES) {
    warn(`${label}: ${st.size} bytes, more than ${MAX_ENTRY_BYTES}; skipped`);
    return null;
  }
  try {
    return readEntry(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    warn(`${label}: not a history entry (${(err as Error).message}); skipped`);
    return null;
  }
}

/** The entries a published tree holds (history/<commit>.json), each validated; anything else is skipped with a warning. */
export function readHistory(tree: string, warn: (line: string) => void): HistoryEntry[] {
  const dir = join(tree, HISTORY_DIR);
  if (!existsSync(dir) || !lstatSync(dir).isDirectory()) return [];
  const out: HistoryEntry[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'index.json') continue;
    const match = /^([0-9a-f]{40})\.json$/.exec(name);
    if (!match) {
      warn(`${HISTORY_DIR}/${name}: not a history entry's name; skipped`);
      continue;
    }
    const entry = readEntryFile(join(dir, name), `${HISTORY_DIR}/${name}`, warn);
    if (entry && entry.commit !== match[1]) warn(`${HISTORY_DIR}/${name}: holds commit ${entry.commit.slice(0, 12)}; skipped`);
    else if (entry) out.push(entry);
  }
  return out;
}

/** The built site's own entry (history-entry.json), or null with a warning. */
export function siteEntry(site: string, warn: (line: string) => void): HistoryEntry | null {
  const file = join(site, HISTORY_ENTRY_FILE);
  if (!existsSync(file)) {
    warn(`${site} has no ${HISTORY_ENTRY_FILE} (npm run history -- --record <site> writes it after the build): the history gets no entry for it`);
    return null;
  }
  return readEntryFile(file, HISTORY_ENTRY_FILE, warn);
}

/** Oldest first, one per commit (the latest build of it), the newest `keep`. */
export function mergeHistory(previous: readonly HistoryEntry[], entry: HistoryEntry | null, keep: number): HistoryEntry[] {
  const byCommit = new Map<string, HistoryEntry>();
  for (const e of [...previous, ...(entry ? [entry] : [])]) {
    const had = byCommit.get(e.commit);
    if (!had || had.builtAt <= e.builtAt) byCommit.set(e.commit, e);
  }
  const order = (e: HistoryEntry) => `${new Date(e.date).toISOString()} ${e.builtAt}`;
  return [...byCommit.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0)).slice(-keep);
}

const cellText = (c: EntryCell) =>
  `${formatValue(c.value, c.format)}${c.seeds >= 2 && c.value !== null ? ` (${formatValue(c.min, c.format)} to ${formatValue(c.max, c.format)})` : ''}`;

// ---- the page ----

interface Point {
  entry: HistoryEntry;
  index: number;
  cell: EntryCell;
  moved: boolean;
}

interface Change {
  index: number;
  entry: HistoryEntry;
  what: string;
  from: string;
  to: string;
}

const verdictText = (v: HistoryEntry['claims'][number]) =>
  v.status === 'pass' ? (v.outcome && v.outcome !== 'yes' ? v.outcome.replace(/-/g, ' ') : 'holds') : v.status === 'fail' ? 'contradicted' : 'not checkable';

/** The claims and findings whose verdict differs from the publish before (entry.ts changedVerdicts), where they do. */
function verdictChanges(entries: readonly HistoryEntry[]): Change[] {
  return entries.flatMap((entry, index) =>
    index === 0
      ? []
      : changedVerdicts(entries[index - 1]!.claims, entry.claims).map((c) => ({
          index,
          entry,
          what: `${c.now.check}${c.now.args ? ` (${c.now.args})` : ''}`,
          from: verdictText(c.before),
          to: verdictText(c.now),
        })),
  );
}

const short = (e: HistoryEntry) => e.commit.slice(0, 7);
const day = (e: HistoryEntry) => e.date.slice(0, 10);

function commitLink(e: HistoryEntry, commitUrl: string | null, text = short(e)): string {
  const label = `<code>${escapeHtml(text)}</code>`;
  return commitUrl ? `<a href="${escapeHtml(commitUrl + e.commit)}">${label}</a>` : label;
}

const W = 640;
const H = 200;
const M = { left: 104, right: 12, top: 12, bottom: 34 };

/** One metric's line over the publishes: the median, the seeds' band, moved points ringed, verdict changes as dashed rules. */
function chart(id: string, stage: string, name: string, points: readonly Point[], total: number, changes: readonly number[], commitUrl: string | null): string {
  const values = points.flatMap((p) => [p.cell.value, p.cell.min, p.cell.max].filter((v): v is number => v !== null));
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    lo -= Math.abs(lo) * 0.05 || 1;
    hi += Math.abs(hi) * 0.05 || 1;
  }
  const pad = (hi - lo) * 0.08;
  lo -= pad;
  hi += pad;
  const x = (i: number) => M.left + (total === 1 ? (W - M.left - M.right) / 2 : (i * (W - M.left - M.right)) / (total - 1));
  const y = (v: number) => M.top + ((hi - v) * (H - M.top - M.bottom)) / (hi - lo);
  const f = (n: number) => n.toFixed(1);
  const format = points[0]!.cell.format;
  const withValue = points.filter((p) => p.cell.value !== null);
  const banded = withValue.filter((p) => p.cell.seeds >= 2 && p.cell.min !== null && p.cell.max !== null);
  const band = banded.length
    ? `<path class="history-band" d="M${banded.map((p) => `${f(x(p.index))},${f(y(p.cell.max!))}`).join('L')}L${[...banded]
        .reverse()
        .map((p) => `${f(x(p.index))},${f(y(p.cell.min!))}`)
        .join('L')}Z"/>`
    : '';
  const line = withValue.length > 1 ? `<path class="history-line" d="M${withValue.map((p) => `${f(x(p.index))},${f(y(p.cell.value!))}`).join('L')}"/>` : '';
  const rules = changes.map((i) => `<line class="history-change" x1="${f(x(i))}" x2="${f(x(i))}" y1="${M.top}" y2="${H - M.bottom}"/>`).join('');
  // Many publishes: small dots, so the line stays readable between them.
  const radius = total > 60 ? 1.5 : 3;
  const dots = withValue
    .map((p) => {
      const label = `${short(p.entry)}, ${day(p.entry)}: ${cellText(p.cell)}${p.moved ? ', moved beyond the spread of the publish before' : ''}`;
      const dot = `<circle class="${p.moved ? 'history-dot history-moved' : 'history-dot'}" cx="${f(x(p.index))}" cy="${f(y(p.cell.value!))}" r="${p.moved ? 5 : radius}"><title>${escapeHtml(label)}</title></circle>`;
      return commitUrl ? `<a href="${escapeHtml(commitUrl + p.entry.commit)}" aria-label="${escapeHtml(label)}">${dot}</a>` : dot;
    })
    .join('');
  const ticks = [lo + pad, (lo + hi) / 2, hi - pad]
    .map((v) => `<text class="history-tick" x="${M.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${escapeHtml(formatValue(v, format))}</text>`)
    .join('');
  const first = points[0]!.entry;
  const last = points.at(-1)!.entry;
  const xLabels =
    `<text class="history-tick" x="${f(x(points[0]!.index))}" y="${H - 14}" text-anchor="${total === 1 ? 'middle' : 'start'}">${escapeHtml(`${short(first)} ${day(first)}`)}</text>` +
    (total > 1
      ? `<text class="history-tick" x="${f(x(points.at(-1)!.index))}" y="${H - 14}" text-anchor="end">${escapeHtml(`${short(last)} ${day(last)}`)}</text>`
      : '');
  const latest = withValue.at(-1);
  const caption = `${name}: ${latest ? `${cellText(latest.cell)} at ${short(latest.entry)}` : 'no value'}; ${withValue.length} publish${withValue.length === 1 ? '' : 'es'} with a value${
    points.some((p) => p.moved) ? `, ${points.filter((p) => p.moved).length} moved beyond the seeds' spread (ringed)` : ''
  }.`;
  return (
    `<figure class="history-figure" id="${escapeHtml(id)}">` +
    `<svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" aria-labelledby="${escapeHtml(id)}-caption">` +
    `<line class="history-axis" x1="${M.left}" x2="${W - M.right}" y1="${H - M.bottom}" y2="${H - M.bottom}"/>${ticks}${xLabels}${rules}${band}${line}${dots}</svg>` +
    `<figcaption id="${escapeHtml(id)}-caption"><span class="history-stage">${escapeHtml(stage)}</span> ${escapeHtml(caption)}</figcaption></figure>`
  );
}

/** The body of history.html (the section the site build leaves for it), from the entries, oldest first. */
export function renderHistory(entries: readonly HistoryEntry[], commitUrl: string | null = null): string {
  if (entries.length === 0) return '<section id="history" data-hw1-history="0"><p>No publish of main has recorded its results yet.</p></section>';
  const changes = verdictChanges(entries);
  const changeAt = [...new Set(changes.map((c) => c.index))];
  const first = entries[0]!;
  const last = entries.at(-1)!;
  const parts: string[] = [
    `<section id="history" data-hw1-history="${entries.length}">`,
    `<p>${entries.length} publish${entries.length === 1 ? '' : 'es'} of main, ${escapeHtml(day(first))} to ${escapeHtml(day(last))}, newest ${commitLink(last, commitUrl)} (profile <code>${escapeHtml(last.profile)}</code>, backend <code>${escapeHtml(last.backend)}</code>). ` +
      'In each chart the line is a headline metric’s median over seeds and the band their range, one point per publish; a ringed point moved beyond the spread of the publish before; a dashed rule marks a publish where a claim’s verdict changed.</p>',
  ];
  parts.push('<h2 id="history-claims">Claims</h2>');
  parts.push(
    changes.length
      ? `<ul class="history-changes">${changes
          .map(
            (c) =>
              `<li>${commitLink(c.entry, commitUrl)} (${escapeHtml(day(c.entry))}): <code>${escapeHtml(c.what)}</code> ${escapeHtml(c.from)} → <strong>${escapeHtml(c.to)}</strong></li>`,
          )
          .join('')}</ul>`
      : '<p>No claim’s verdict changed between these publishes.</p>',
  );
  const counts = (e: HistoryEntry) => {
    const n = (s: string) => e.claims.filter((c) => c.status === s).length;
    return `${n('pass')} hold${n('fail') ? `, ${n('fail')} contradicted` : ''}${n('unchecked') ? `, ${n('unchecked')} not checkable` : ''}`;
  };
  parts.push(
    `<details class="history-publishes"><summary>Every publish (${entries.length})</summary><table class="results" tabindex="0"><caption>Every publish of main, newest first</caption><thead><tr><th scope="col">Commit</th><th scope="col">Date</th><th scope="col">Claims</th><th scope="col">Subject</th></tr></thead><tbody>${[
      ...entries,
    ]
      .reverse()
      .map(
        (e) =>
          `<tr><td>${commitLink(e, commitUrl)}${e.dirty ? ' (uncommitted changes)' : ''}</td><td>${escapeHtml(day(e))}</td><td>${escapeHtml(counts(e))}</td><td>${escapeHtml(e.subject)}</td></tr>`,
      )
      .join('')}</tbody></table></details>`,
  );
  // Stages and metrics in the newest publish's order, then any only older ones have.
  const stages: string[] = [];
  for (const e of [...entries].reverse()) for (const s of e.stages) if (!stages.includes(s.name)) stages.push(s.name);
  let n = 0;
  for (const stage of stages) {
    const names: string[] = [];
    for (const e of [...entries].reverse())
      for (const c of e.stages.find((s) => s.name === stage)?.metrics ?? []) if (!names.includes(c.name)) names.push(c.name);
    if (names.length === 0) continue;
    parts.push(`<h2 id="history-${escapeHtml(stage)}"><code>${escapeHtml(stage)}</code></h2>`);
    for (const name of names) {
      let before: EntryCell | null = null;
      const points: Point[] = [];
      entries.forEach((entry, index) => {
        const cell = entry.stages.find((s) => s.name === stage)?.metrics.find((c) => c.name === name);
        if (!cell) return;
        points.push({ entry, index, cell, moved: before !== null && movedSince(before, cell) });
        if (cell.value !== null) before = cell;
      });
      if (points.some((p) => p.cell.value !== null)) parts.push(chart(`history-chart-${++n}`, stage, name, points, entries.length, changeAt, commitUrl));
    }
  }
  parts.push('</section>');
  return parts.join('\n');
}

const SECTION = /<section id="history" data-hw1-history="[^"]*">[\s\S]*?<\/section>/;

/**
 * Adds the site's entry to the tree's history (the entries read before the
 * site replaced the tree, `previous`), keeps the newest `keep`, writes them
 * and their index, and fills history.html. Returns what it did, in words
 * ('' when there is no entry at all).
 */
export function updateHistory(
  tree: string,
  previous: readonly HistoryEntry[],
  entry: HistoryEntry | null,
  options: { keep?: number; commitUrl?: string | null } = {},
): string {
  const entries = mergeHistory(previous, entry, options.keep ?? DEFAULT_KEEP);
  const dir = join(tree, HISTORY_DIR);
  rmSync(dir, { recursive: true, force: true });
  // No entry to keep (a site built outside git, and none before): no history folder, the page says so.
  if (entries.length === 0) return '';
  mkdirSync(dir, { recursive: true });
  for (const e of entries) writeFileSync(join(dir, `${e.commit}.json`), `${JSON.stringify(e)}\n`);
  writeFileSync(
    join(dir, 'index.json'),
    `${JSON.stringify({ version: 1, entries: entries.map((e) => ({ commit: e.commit, date: e.date, file: `${e.commit}.json` })) }, null, 1)}\n`,
  );
  const page = join(tree, PAGE);
  if (existsSync(page)) {
    const html = readFileSync(page, 'utf8');
    if (SECTION.test(html))
      writeFileSync(
        page,
        html.replace(SECTION, () => renderHistory(entries, options.commitUrl ?? null)),
      );
  }
  return `history: ${entries.length} publish${entries.length === 1 ? '' : 'es'}`;
}
