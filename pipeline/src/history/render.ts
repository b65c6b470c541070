/**
 * `npm run history` as a reader sees it: a table of commits (date, subject,
 * the report's claims), then one table per stage with a column per headline
 * metric, in plain text for the terminal or in Markdown. A cell is the median
 * over seeds with their range; a cell that moved beyond that spread since the
 * row before carries a mark (*), and bold in Markdown.
 */
import { formatValue } from '../core/format.ts';
import type { Cell, History, HistoryRow } from './history.ts';

const MARK = '*';
const LEGEND = "moved beyond its seeds' spread (or, without seeds, changed) since the row before";

/** As the diff writes it, but small and large numbers as 1.47e-3: a column of them stays narrow. */
function valueText(value: number | null, format: Cell['format']): string {
  if (format === 'sci' && value !== null && value !== 0 && (Math.abs(value) < 0.01 || Math.abs(value) >= 1e4)) return value.toExponential(2).replace('e+', 'e');
  return formatValue(value, format);
}

function cellText(c: Cell): string {
  const value = valueText(c.value, c.format);
  const range = c.seeds >= 2 && c.value !== null ? ` (${valueText(c.min, c.format)}–${valueText(c.max, c.format)})` : '';
  return `${value}${range}`;
}

function claimsText(row: HistoryRow): string {
  if (!row.claims) return `— ${row.claimsReason ?? ''}`.trim();
  const { hold, fail, unchecked, changed } = row.claims;
  return [`${hold} hold`, fail ? `${fail} fail` : '', unchecked ? `${unchecked} not checkable` : '', changed ? `${changed} changed ${MARK}` : '']
    .filter(Boolean)
    .join(', ');
}

/** The stages of the history, in the order the rows give them, each with its metrics' names (union over rows, first seen first). */
function stageColumns(h: History): Array<{ name: string; metrics: string[] }> {
  const out: Array<{ name: string; metrics: string[] }> = [];
  for (const row of h.rows)
    for (const s of row.stages) {
      let entry = out.find((e) => e.name === s.name);
      if (!entry) {
        entry = { name: s.name, metrics: [] };
        out.push(entry);
      }
      for (const m of s.metrics) if (!entry.metrics.includes(m.name)) entry.metrics.push(m.name);
    }
  return out;
}

/** For each row, the stage's cells by metric name, or the reason it has none. */
function stageCells(row: HistoryRow, stage: string, metrics: readonly string[]): { cells: Array<Cell | undefined> } | { reason: string } {
  if (row.reason) return { reason: row.reason };
  const s = row.stages.find((x) => x.name === stage);
  if (!s) return { reason: 'no such stage in this commit' };
  if (s.reason) return { reason: s.reason };
  return { cells: metrics.map((m) => s.metrics.find((c) => c.name === m)) };
}

const date = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const subject = (s: string, max = 60) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

function intro(h: History): string {
  const n = h.rows.length;
  return `history of ${h.range}, profile ${h.profile}: ${n} commit${n === 1 ? '' : 's'}, oldest first; ${MARK} ${LEGEND}`;
}

export function toText(h: History): string {
  const lines = [intro(h), ''];
  lines.push(...pad([['commit', 'date', 'claims', 'subject'], ...h.rows.map((r) => [r.short, date(r.date), claimsText(r), subject(r.subject)])]));
  for (const { name, metrics } of stageColumns(h)) {
    lines.push('', name, ...metrics.map((m, i) => `  [${i + 1}] ${m}`));
    const table = [['commit', ...metrics.map((_, i) => `[${i + 1}]`)]];
    for (const row of h.rows) {
      const got = stageCells(row, name, metrics);
      if ('reason' in got) table.push([row.short, got.reason]);
      else table.push([row.short, ...got.cells.map((c) => (c ? `${cellText(c)}${c.moved ? ` ${MARK}` : ''}` : '—'))]);
    }
    lines.push(...pad(table));
  }
  return `${lines.join('\n')}\n`;
}

const md = (text: string) => text.replace(/\|/g, '\\|');

export function toMarkdown(h: History): string {
  const lines = [
    `### Results over ${h.rows.length} commits (\`${md(h.range)}\`, profile \`${h.profile}\`)`,
    '',
    `Oldest first. **Bold** ${MARK}: ${LEGEND}.`,
    '',
  ];
  lines.push('| commit | date | claims | subject |', '| --- | --- | --- | --- |');
  for (const r of h.rows) lines.push(`| \`${r.short}\` | ${date(r.date)} | ${md(claimsText(r))} | ${md(subject(r.subject))} |`);
  for (const { name, metrics } of stageColumns(h)) {
    lines.push('', `#### \`${name}\``, '', `| commit | ${metrics.map(md).join(' | ')} |`, `| --- |${' ---: |'.repeat(metrics.length)}`);
    for (const row of h.rows) {
      const got = stageCells(row, name, metrics);
      if ('reason' in got) lines.push(`| \`${row.short}\` | ${md(got.reason)} |${' |'.repeat(Math.max(0, metrics.length - 1))}`);
      else lines.push(`| \`${row.short}\` | ${got.cells.map((c) => (c ? (c.moved ? `**${cellText(c)}** ${MARK}` : cellText(c)) : '—')).join(' | ')} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}
