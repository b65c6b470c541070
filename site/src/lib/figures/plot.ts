/**
 * Observable Plot rendered at build time: the figure becomes SVG markup in the
 * page, so it shows without JavaScript. linkedom supplies the DOM Plot draws into.
 */
import { escapeHtml } from '@hw1/pipeline/format';
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/** Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. */
export const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/**
 * Room for 12 px text around the frame (Plot's defaults assume 10 px): above it, the y axis's title clear of the top
 * tick label; below it, the x tick labels and under them the x axis's title. A figure's own margins win.
 */
export const frameMargins = { marginTop: 26, marginBottom: 42 } as const;

export function renderPlot(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');
  const node = Plot.plot({ ...frameMargins, ...options, document } as Plot.PlotOptions) as unknown as Element & {
    scale(name: string): Record<string, unknown> | undefined;
  };
  // The chart's scales, for the tooltip (src/scripts/figures.ts) to turn positions back into values.
  // With legends, Plot wraps them and the chart in a <figure>; the chart is its last <svg> (a ramp legend is an <svg> too).
  const chart = node.tagName.toLowerCase() === 'svg' ? node : [...node.children].filter((c) => c.tagName.toLowerCase() === 'svg').at(-1);
  chart?.setAttribute('data-scales', JSON.stringify(Object.fromEntries(['x', 'y', 'color'].flatMap((name) => scaleSpec(node, name)))));
  return node.outerHTML;
}

/** What the client needs of one scale: type, domain, range, label and the parameters of its transform. */
function scaleSpec(node: { scale(name: string): Record<string, unknown> | undefined }, name: string): [string, Record<string, unknown>][] {
  let s: Record<string, unknown> | undefined;
  try {
    s = node.scale(name);
  } catch {
    return [];
  }
  if (!s || !Array.isArray(s.domain) || !Array.isArray(s.range)) return [];
  const keep = ['type', 'domain', 'range', 'base', 'exponent', 'constant', 'padding', 'paddingInner', 'paddingOuter', 'align'];
  return [[name, Object.fromEntries(keep.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]))]];
}

/**
 * Downsamples a long series to at most `max` points by averaging consecutive
 * buckets of equal length; each point is placed at its bucket's last index.
 * A mean keeps what a sample would alias (e.g. Adam's brief loss spikes).
 */
export function bucketMeans(values: readonly number[], max: number): { index: number; value: number; size: number }[] {
  const size = Math.max(1, Math.ceil(values.length / max));
  const out: { index: number; value: number; size: number }[] = [];
  for (let start = 0; start < values.length; start += size) {
    const end = Math.min(values.length, start + size);
    let sum = 0;
    for (let i = start; i < end; i++) sum += values[i]!;
    out.push({ index: end - 1, value: sum / (end - start), size: end - start });
  }
  return out;
}

export { Plot };

/** Where a label sits relative to its point, as Plot.text options. */
const labelSpots = {
  above: { dy: -8, lineAnchor: 'bottom' },
  below: { dy: 8, lineAnchor: 'top' },
  right: { dx: 8, textAnchor: 'start' },
  left: { dx: -8, textAnchor: 'end' },
} as const;
export type LabelSpot = keyof typeof labelSpots;

/**
 * Short labels next to points, kept off each other and inside the frame (so off the axes' text too): each point,
 * in order, takes the first of above, below, right and left where its box (estimated from the text's length) is
 * clear of the labels placed before it; above when none is. `at` gives a point's position in the chart's pixels.
 */
export function placeLabels<T>(
  points: readonly T[],
  o: { at: (p: T) => [number, number]; text: (p: T) => string; fontSize: number; frame: { left: number; right: number; top: number; bottom: number } },
): (T & { spot: LabelSpot })[] {
  const placed: { left: number; right: number; top: number; bottom: number }[] = [];
  const h = o.fontSize * 1.2;
  const boxOf = (p: T, spot: LabelSpot) => {
    const [x, y] = o.at(p);
    const w = o.text(p).length * o.fontSize * 0.65;
    const gap = 8;
    if (spot === 'above') return { left: x - w / 2, right: x + w / 2, top: y - gap - h, bottom: y - gap };
    if (spot === 'below') return { left: x - w / 2, right: x + w / 2, top: y + gap, bottom: y + gap + h };
    if (spot === 'right') return { left: x + gap, right: x + gap + w, top: y - h / 2, bottom: y + h / 2 };
    return { left: x - gap - w, right: x - gap, top: y - h / 2, bottom: y + h / 2 };
  };
  const fits = (b: { left: number; right: number; top: number; bottom: number }) =>
    b.left >= o.frame.left &&
    b.right <= o.frame.right &&
    b.top >= o.frame.top &&
    b.bottom <= o.frame.bottom &&
    placed.every((q) => b.right <= q.left || b.left >= q.right || b.bottom <= q.top || b.top >= q.bottom);
  return points.map((p) => {
    const spot = (Object.keys(labelSpots) as LabelSpot[]).find((s) => fits(boxOf(p, s))) ?? 'above';
    placed.push(boxOf(p, spot));
    return { ...p, spot };
  });
}

/** A linear scale as Plot draws one over `values` (their extent onto the pixels `range`), to place labels before Plot renders. */
export function linearPixels(values: readonly number[], range: readonly [number, number]): { domain: [number, number]; at: (v: number) => number } {
  const domain: [number, number] = [Math.min(...values), Math.max(...values)];
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return { domain, at: (v) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0)) };
}

/** Text marks for labels placed by placeLabels: one mark per spot, with the options that put the text there. */
export function placedLabels<T extends { spot: LabelSpot }>(labels: readonly T[], options: Plot.TextOptions): Plot.Markish[] {
  return (Object.keys(labelSpots) as LabelSpot[]).flatMap((spot) => {
    const here = labels.filter((l) => l.spot === spot);
    return here.length ? [Plot.text(here, { ...options, ...labelSpots[spot] })] : [];
  });
}

/*
 * Compare mode (see ../data/compare.ts for how a figure opts in): base and head in one figure.
 * The head keeps every option as given, so a normal build renders exactly as before;
 * the base is drawn dashed and faded underneath, its marks described as "(base)".
 */
type MarkOptions = Record<string, unknown>;
const BASE_DASH = '5 3';
const BASE_FADE = 0.6;

function faded(o: MarkOptions, key: 'strokeOpacity' | 'fillOpacity'): number {
  return (typeof o[key] === 'number' ? (o[key] as number) : 1) * BASE_FADE;
}
const baseAria = (o: MarkOptions): MarkOptions => (typeof o.ariaDescription === 'string' ? { ariaDescription: `${o.ariaDescription} (base)` } : {});

/** Option transforms for one side's marks: identity for the head, dashed and faded for the base. */
export function sideMarks(s: { side: 'base' | 'head' }) {
  const base = s.side === 'base';
  return {
    /** Lines (line, lineY, rule): dashed. */
    line: <T extends MarkOptions>(o: T): T => (base ? { ...o, strokeDasharray: BASE_DASH, strokeOpacity: faded(o, 'strokeOpacity'), ...baseAria(o) } : o),
    /** Bands (areaY): fainter. */
    area: <T extends MarkOptions>(o: T): T => (base ? { ...o, fillOpacity: faded(o, 'fillOpacity') * 0.6, ...baseAria(o) } : o),
    /** Dots: hollow where the head's are filled, faded where they are outlined. */
    dot: <T extends MarkOptions>(o: T): T => {
      if (!base) return o;
      const hollow = o.fill !== undefined && o.stroke === undefined ? { fill: 'none', stroke: o.fill } : {};
      return { ...o, ...hollow, strokeOpacity: faded(o, 'strokeOpacity') * 0.75, ...baseAria(o) };
    },
    /** Labels: fainter. */
    text: <T extends MarkOptions>(o: T): T => (base ? { ...o, fillOpacity: faded(o, 'fillOpacity'), ...baseAria(o) } : o),
  };
}

/** The key to the sides' styles, placed above a figure; empty with one side (a normal build). */
export function sidesLegend(sides: ReadonlyArray<{ side: 'base' | 'head'; label: string }>, kind: 'line' | 'dot' = 'line'): string {
  if (sides.length < 2) return '';
  const sample = (side: 'base' | 'head') =>
    kind === 'line'
      ? `<svg width="30" height="10" aria-hidden="true"><line x1="0" y1="5" x2="30" y2="5" stroke="currentColor" stroke-width="2"${side === 'base' ? ` stroke-dasharray="${BASE_DASH}" stroke-opacity="${BASE_FADE}"` : ''}/></svg>`
      : `<svg width="14" height="14" aria-hidden="true"><circle cx="7" cy="7" r="4.5" stroke="currentColor" stroke-width="1.5" fill="none"${side === 'base' ? ` stroke-opacity="${BASE_FADE * 0.75}"` : ''}/></svg>`;
  const how = { base: kind === 'line' ? 'dashed, faded' : 'faded', head: kind === 'line' ? 'solid' : 'full strength' };
  const item = (s: { side: 'base' | 'head'; label: string }) =>
    `<span class="compare-key compare-${s.side}">${sample(s.side)} ${escapeHtml(s.label)} <small>(${how[s.side]})</small></span>`;
  // Head first in the key: it is the change under review.
  return `<div class="compare-legend">${[...sides]
    .sort((a) => (a.side === 'head' ? -1 : 1))
    .map(item)
    .join('')}</div>`;
}

/** Each side's own figure, the base first (next to each other only where both fit, see report.css), for figures that cannot overlay; the lone SVG with one side. */
export function sideBySide(parts: ReadonlyArray<{ side: 'base' | 'head'; label: string; svg: string }>): string {
  if (parts.length < 2) return parts[0]?.svg ?? '';
  return `<div class="compare-pair">${parts.map((p) => `<div class="compare-side compare-${p.side}"><p class="compare-label">${escapeHtml(p.label)}</p>${p.svg}</div>`).join('')}</div>`;
}
