/**
 * The result of `npm run diff`: per stage, what changed between base and head
 * (config, code, data), whether each side was replayed from turbo's cache or
 * run, and every scalar metric with base, head and the difference. Written as
 * JSON (the site's "What changed" page reads it through HW1_COMPARE) and
 * rendered here as Markdown (a pull-request comment) and plain text.
 * No tfjs here: the site imports this module.
 */
import { z } from 'zod';
import type { Manifest } from '../core/artifact.ts';
import { formatValue } from '../core/format.ts';
import { beyondSpread, type Metric, metricFormats, same, seedSpread } from '../core/metrics.ts';

/** How a metric's value is written: one formatter, core/format.ts. */
export { formatValue };

const formatSchema = z.enum(metricFormats);

export const metricDiffSchema = z.strictObject({
  name: z.string(),
  format: formatSchema,
  better: z.enum(['lower', 'higher']).nullable(),
  base: z.number().nullable(),
  head: z.number().nullable(),
  /** head − base; null when either is missing. */
  delta: z.number().nullable(),
  changed: z.boolean(),
  /** Whether |head − base| is larger than the spread (max − min) over seeds on either side; null when unchanged or without two seeds on each side. */
  beyondSpread: z.boolean().nullable(),
  baseSeeds: z.array(z.number()).nullable(),
  headSeeds: z.array(z.number()).nullable(),
  /** One of the stage's headline metrics (core/metrics.ts headline), the ones `npm run history` follows. */
  headline: z.boolean(),
});
export type MetricDiff = z.infer<typeof metricDiffSchema>;

const stageSideSchema = z.strictObject({
  /** replayed: turbo restored the artifact from its cache; ran: the stage trained; absent: the side has no such stage. */
  status: z.enum(['replayed', 'ran', 'absent']),
  configHash: z.string().nullable(),
  codeHash: z.string().nullable(),
  data: z.record(z.string(), z.string()),
  wallTimeSeconds: z.number().nullable(),
  /** Why this side has no metrics (no metrics module, data of another shape…), if so. */
  note: z.string().nullable(),
});
export type StageSide = z.infer<typeof stageSideSchema>;

const fieldChangeSchema = z.strictObject({
  /** e.g. "epochs", "profiles.quick.epochs", "models[1].hidden". */
  path: z.string(),
  /** The value's text on each side; null where the field is absent. */
  base: z.string().nullable(),
  head: z.string().nullable(),
});
export type FieldChange = z.infer<typeof fieldChangeSchema>;

const fileChangeSchema = z.strictObject({
  /** Relative to pipeline/. */
  file: z.string(),
  change: z.enum(['changed', 'added', 'removed']),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

export const stageComparisonSchema = z.strictObject({
  name: z.string(),
  title: z.string(),
  base: stageSideSchema,
  head: stageSideSchema,
  changes: z.strictObject({
    config: z.boolean(),
    code: z.boolean(),
    /** Datasets whose identity differs. */
    data: z.array(z.string()),
    added: z.boolean(),
    removed: z.boolean(),
    /** The config's fields that differ, with both values (compare/inputs.ts). */
    configFields: z.array(fieldChangeSchema),
    /** The stage's code files (its cache key's) whose content differs. */
    codeFiles: z.array(fileChangeSchema),
  }),
  /** Any input changed or any metric differs. */
  changed: z.boolean(),
  /** Changed metrics first, then the rest, each in the stage's own order. */
  metrics: z.array(metricDiffSchema),
});
export type StageComparison = z.infer<typeof stageComparisonSchema>;

const revisionSchema = z.strictObject({
  /** As given on the command line; null for the working tree. */
  rev: z.string().nullable(),
  commit: z.string(),
  /** "base main (1a2b3c4)", "head working tree (on 5d6e7f8)". */
  label: z.string(),
  /** Where this side's artifacts were (for the site build). */
  artifacts: z.string(),
});

/** What the compare site found on its pages (site/src/lib/claims/claims-log.ts writes it as report-changes.json). */
export const reportChangesSchema = z.strictObject({
  /** Claims and findings on the pages. */
  claims: z.number(),
  /** Those whose verdict (a claim) or chosen sentence (a finding) differs, with each side's in words. */
  changedClaims: z.array(z.strictObject({ page: z.string(), check: z.string(), args: z.string(), text: z.string(), base: z.string(), head: z.string() })),
  /** Every figure, marked by whether a normal build of the base draws it differently. */
  figures: z.array(z.strictObject({ page: z.string(), id: z.string(), label: z.string(), change: z.enum(['changed', 'unchanged', 'new']) })),
});
export type ReportChanges = z.infer<typeof reportChangesSchema>;

/**
 * The claims and findings a report build found on its pages, as the site
 * writes them beside the report (claims.json; site/src/lib/claims/claims-log.ts):
 * `npm run history` counts them per commit.
 */
export const builtClaimsSchema = z.strictObject({
  version: z.literal(1),
  claims: z.array(
    z.strictObject({
      page: z.string(),
      check: z.string(),
      args: z.string(),
      /** pass: the claim holds (a finding: its outcome was checked); fail: contradicted; unchecked: data missing. */
      status: z.enum(['pass', 'fail', 'unchecked']),
      /** A finding's outcome; null for a claim. */
      outcome: z.string().nullable(),
    }),
  ),
});
export type BuiltClaims = z.infer<typeof builtClaimsSchema>;

export const comparisonSchema = z.strictObject({
  version: z.literal(1),
  profile: z.string(),
  base: revisionSchema,
  head: revisionSchema,
  /** Changed stages first, each group in report order. */
  stages: z.array(stageComparisonSchema),
  /** The claims and figures that changed, once the compare site is built (absent without a site: --no-site). */
  report: reportChangesSchema.optional(),
});
export type Comparison = z.infer<typeof comparisonSchema>;

export function diffMetrics(base: readonly Metric[] | null, head: readonly Metric[] | null): MetricDiff[] {
  const b = new Map((base ?? []).map((m) => [m.name, m]));
  const h = new Map((head ?? []).map((m) => [m.name, m]));
  // Head's order, then metrics only the base has.
  const names = [...h.keys(), ...[...b.keys()].filter((n) => !h.has(n))];
  const rows = names.map((name): MetricDiff => {
    const x = b.get(name);
    const y = h.get(name);
    const bv = x?.value ?? null;
    const hv = y?.value ?? null;
    const delta = bv !== null && hv !== null ? hv - bv : null;
    const bs = x?.perSeed ?? null;
    const hs = y?.perSeed ?? null;
    return {
      name,
      format: (y ?? x)!.format,
      better: (y ?? x)!.better ?? null,
      base: bv,
      head: hv,
      delta,
      changed: !x || !y || !same(bv, hv),
      beyondSpread: beyondSpread(bv, hv, seedSpread(bs), seedSpread(hs)),
      baseSeeds: bs,
      headSeeds: hs,
      headline: Boolean((y ?? x)!.headline),
    };
  });
  return [...rows.filter((r) => r.changed), ...rows.filter((r) => !r.changed)];
}

export interface SideInput {
  status: 'replayed' | 'ran' | 'absent';
  manifest: Manifest | null;
  metrics: Metric[] | null;
  note: string | null;
}

/** One stage's comparison from what each side produced, and (from the checkouts) what its inputs changed. */
export function compareStage(
  name: string,
  title: string,
  base: SideInput,
  head: SideInput,
  inputs: { configFields: FieldChange[]; codeFiles: FileChange[] } = { configFields: [], codeFiles: [] },
): StageComparison {
  const bm = base.manifest;
  const hm = head.manifest;
  const side = (s: SideInput): StageSide => ({
    status: s.status,
    configHash: s.manifest?.configHash ?? null,
    codeHash: s.manifest?.codeHash ?? null,
    data: s.manifest?.data ?? {},
    wallTimeSeconds: s.manifest?.wallTimeSeconds ?? null,
    note: s.note,
  });
  const datasets = [...new Set([...Object.keys(bm?.data ?? {}), ...Object.keys(hm?.data ?? {})])];
  const changes = {
    config: !!bm && !!hm && bm.configHash !== hm.configHash,
    code: !!bm && !!hm && bm.codeHash !== hm.codeHash,
    data: bm && hm ? datasets.filter((d) => bm.data[d] !== hm.data[d]) : [],
    added: !bm && !!hm,
    removed: !!bm && !hm,
    ...inputs,
  };
  const metrics = diffMetrics(bm ? base.metrics : null, hm ? head.metrics : null);
  const changed = changes.config || changes.code || changes.data.length > 0 || changes.added || changes.removed || metrics.some((m) => m.changed);
  return { name, title, base: side(base), head: side(head), changes, changed, metrics };
}

/** Changed stages first, report order kept within each group. */
export function orderStages(stages: readonly StageComparison[]): StageComparison[] {
  return [...stages.filter((s) => s.changed), ...stages.filter((s) => !s.changed)];
}

/** The change as a reader wants it: relative for losses, percentage points for percentages, absolute otherwise. */
export function formatDelta(m: MetricDiff): string {
  if (m.base === null && m.head === null) return '';
  if (m.base === null) return 'new';
  if (m.head === null) return 'gone';
  if (!m.changed) return '0';
  const d = m.delta!;
  const sign = d > 0 ? '+' : '−';
  switch (m.format) {
    case 'int':
      return `${sign}${Math.abs(Math.round(d))}`;
    case 'percent':
      return `${sign}${Math.abs(d * 100).toFixed(2)} pp`;
    case 'fixed':
      return `${sign}${Math.abs(d).toFixed(3)}`;
    case 'sci':
      return m.base !== 0 ? `${sign}${Math.abs((100 * d) / m.base).toFixed(1)}%` : `${sign}${formatValue(Math.abs(d), 'sci')}`;
  }
}

/** "better" / "worse" for metrics with a direction; "" otherwise or when unchanged. */
export function direction(m: MetricDiff): string {
  if (!m.changed || m.delta === null || m.delta === 0 || !m.better) return '';
  return m.delta < 0 === (m.better === 'lower') ? 'better' : 'worse';
}

export function spreadText(m: MetricDiff): string {
  if (!m.changed || m.beyondSpread === null) return '';
  return m.beyondSpread ? 'yes' : 'no (within seed spread)';
}

export function stageChanges(s: StageComparison): string[] {
  const out: string[] = [];
  if (s.changes.added) out.push('new stage');
  if (s.changes.removed) out.push('stage removed');
  if (s.changes.config) out.push('config');
  if (s.changes.code) out.push('code');
  if (s.changes.data.length) out.push(`data (${s.changes.data.join(', ')})`);
  return out;
}

const statusText = (s: StageSide) => (s.status === 'ran' ? 'ran' : s.status === 'replayed' ? 'replayed from cache' : 'absent');

function metricsSummary(s: StageComparison): string {
  const changed = s.metrics.filter((m) => m.changed);
  if (s.metrics.length === 0) return 'no metrics';
  const beyond = changed.filter((m) => m.beyondSpread).length;
  return changed.length === 0
    ? `none of ${s.metrics.length}`
    : `${changed.length} of ${s.metrics.length}${beyond ? ` (${beyond} beyond the seed spread)` : ''}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function metricTable(rows: readonly MetricDiff[]): string[] {
  return [
    '| metric | base | head | change | beyond seed spread |',
    '| --- | ---: | ---: | ---: | --- |',
    ...rows.map((m) => {
      const dir = direction(m);
      return `| ${m.headline ? `**${cell(m.name)}**` : cell(m.name)} | ${formatValue(m.base, m.format)} | ${formatValue(m.head, m.format)} | ${formatDelta(m)}${dir ? ` (${dir})` : ''} | ${spreadText(m)} |`;
    }),
  ];
}

/** Marks the pull-request comment so the workflow updates its own comment instead of adding another. */
export const MARKDOWN_MARKER = '<!-- hw1-diff -->';

/** The table for a pull-request comment: stages (changed first), then each changed stage's metrics (changed first). */
export function toMarkdown(c: Comparison): string {
  const lines = [
    MARKDOWN_MARKER,
    `### Results: ${c.base.label} → ${c.head.label} (profile \`${c.profile}\`)`,
    '',
    '| stage | what changed | base | head | metrics changed |',
    '| --- | --- | --- | --- | --- |',
    ...c.stages.map(
      (s) =>
        `| ${s.changed ? `**${cell(s.title)}**` : cell(s.title)} (\`${s.name}\`) | ${stageChanges(s).join(', ') || (s.changed ? 'results only' : 'nothing')} | ${statusText(s.base)} | ${statusText(s.head)} | ${metricsSummary(s)} |`,
    ),
  ];
  for (const s of c.stages.filter((x) => x.changed)) {
    const changed = s.metrics.filter((m) => m.changed);
    const same = s.metrics.filter((m) => !m.changed);
    lines.push('', `#### ${s.title} (\`${s.name}\`): ${stageChanges(s).join(', ') || 'results'} changed`);
    const inputs = inputLines(s);
    if (inputs.length) lines.push('', ...inputs.map((l) => `- ${l}`));
    for (const note of [s.base.note && `base: ${s.base.note}`, s.head.note && `head: ${s.head.note}`].filter(Boolean)) lines.push('', `> ${note}`);
    if (changed.length) lines.push('', ...metricTable(changed));
    else if (s.metrics.length) lines.push('', `Every metric is the same (${s.metrics.length}).`);
    if (same.length && changed.length)
      lines.push('', `<details><summary>${same.length} unchanged metrics</summary>`, '', ...metricTable(same), '', '</details>');
  }
  const unchanged = c.stages.filter((s) => !s.changed);
  if (unchanged.length) lines.push('', `Unchanged: ${unchanged.map((s) => `\`${s.name}\``).join(', ')} (inputs and every metric identical).`);
  if (c.report) lines.push('', '#### Claims and figures', '', ...reportLines(c.report, (t) => `\`${t}\``).map((l) => `- ${l}`));
  return `${lines.join('\n')}\n`;
}

/** The claims whose verdict changed and the figures drawn differently, one line each (and one for the rest). */
export function reportLines(r: ReportChanges, code = (t: string) => `\`${t}\``): string[] {
  const figures = (k: ReportChanges['figures'][number]['change']) => r.figures.filter((f) => f.change === k).map((f) => f.label);
  const [changed, added, same] = [figures('changed'), figures('new'), figures('unchanged')];
  return [
    ...(r.changedClaims.length
      ? r.changedClaims.map(
          (c) => `claim ${code(`${c.check}${c.args ? ` ${c.args}` : ''}`)} (${c.page.replace(/\.html$/, '')}): ${c.base} → ${c.head}: “${c.text}”`,
        )
      : [`every one of the ${r.claims} claims and findings reads the same on both sides`]),
    `figures drawn differently: ${changed.length ? changed.join(', ') : 'none'} (of ${r.figures.length})${added.length ? `; new: ${added.join(', ')}` : ''}${same.length ? `; unchanged: ${same.join(', ')}` : ''}`,
  ];
}

/** What the inputs changed, one line per config field (old → new) and per code file, with Markdown code spans. */
export function inputLines(s: StageComparison, code = (t: string) => `\`${t}\``): string[] {
  const value = (v: string | null) => (v === null ? 'absent' : code(v));
  return [
    ...s.changes.configFields.map((f) => `config ${code(f.path)}: ${value(f.base)} → ${value(f.head)}`),
    ...s.changes.codeFiles.map((f) => `code ${code(`pipeline/${f.file}`)} ${f.change}`),
  ];
}

/** A short plain-text summary for the terminal. */
export function toText(c: Comparison): string {
  const lines = [`${c.base.label} → ${c.head.label}, profile ${c.profile}`];
  const width = Math.max(...c.stages.map((s) => s.name.length), 5);
  for (const s of c.stages) {
    lines.push(
      `  ${s.changed ? '*' : ' '} ${s.name.padEnd(width)}  changed: ${(stageChanges(s).join(', ') || (s.changed ? 'results only' : 'nothing')).padEnd(16)}  base ${statusText(s.base)}, head ${statusText(s.head)}; metrics changed: ${metricsSummary(s)}`,
    );
    for (const line of inputLines(s, (t) => t)) lines.push(`        ${line}`);
    for (const m of s.metrics.filter((x) => x.changed).slice(0, 8)) {
      lines.push(
        `        ${m.name}: ${formatValue(m.base, m.format)} → ${formatValue(m.head, m.format)} (${formatDelta(m)}${m.beyondSpread === null ? '' : m.beyondSpread ? ', beyond seed spread' : ', within seed spread'})`,
      );
    }
    const more = s.metrics.filter((x) => x.changed).length - 8;
    if (more > 0) lines.push(`        … and ${more} more (see --md or the What changed page)`);
  }
  if (c.report) for (const line of reportLines(c.report, (t) => t)) lines.push(`  ${line}`);
  return `${lines.join('\n')}\n`;
}
