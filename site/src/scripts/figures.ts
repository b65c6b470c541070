/**
 * Figures with JavaScript on: a tooltip with the values of the nearest point,
 * and legend entries that hide or show their series. The SVG is drawn at build
 * time (readable without this script); renderPlot (lib/figures/plot.ts) leaves each
 * chart's scales in data-scales, from which a point's position is turned back
 * into data values.
 */
import { int, sci } from '@hw1/pipeline/format';

interface ScaleSpec {
  type: string;
  domain: unknown[];
  range: unknown[];
  base?: number;
  exponent?: number;
  constant?: number;
  padding?: number;
  paddingInner?: number;
  paddingOuter?: number;
  align?: number;
}
interface Scales {
  x?: ScaleSpec;
  y?: ScaleSpec;
  color?: ScaleSpec;
}
interface Point {
  /** Position in the chart's own coordinates (the scales' range). */
  px: number;
  py: number;
  /** Position in the SVG's user space, for distances to the pointer. */
  ux: number;
  uy: number;
  el: Element;
  series: string;
  colour: string | null;
}

const SVG = 'http://www.w3.org/2000/svg';

/** The forward transform of a continuous scale type, and its inverse. */
function transforms(s: ScaleSpec): [(v: number) => number, (t: number) => number] {
  switch (s.type) {
    case 'log': {
      const sign = (s.domain[0] as number) < 0 ? -1 : 1;
      return [(v) => sign * Math.log(sign * v), (t) => sign * Math.exp(sign * t)];
    }
    case 'pow':
    case 'sqrt': {
      const k = s.type === 'sqrt' ? 0.5 : (s.exponent ?? 1);
      return [(v) => Math.sign(v) * Math.abs(v) ** k, (t) => Math.sign(t) * Math.abs(t) ** (1 / k)];
    }
    case 'symlog': {
      const c = s.constant ?? 1;
      return [(v) => Math.sign(v) * Math.log1p(Math.abs(v / c)), (t) => Math.sign(t) * Math.expm1(Math.abs(t)) * c];
    }
    default:
      return [(v) => v, (t) => t];
  }
}

/** Data value at a position along a scale's range (piecewise for polylinear scales; nearest value for ordinal ones). */
function invert(s: ScaleSpec | undefined, p: number): number | string | null {
  if (!s || s.range.length < 2) return null;
  const range = s.range as number[];
  if (s.type === 'band' || s.type === 'point') {
    const n = s.domain.length;
    const [r0, r1] = [range[0]!, range[range.length - 1]!];
    const inner = s.type === 'band' ? (s.paddingInner ?? s.padding ?? 0.1) : 1;
    const outer = s.type === 'band' ? (s.paddingOuter ?? s.padding ?? 0.1) : (s.padding ?? 0.5);
    const step = (r1 - r0) / Math.max(1, n - inner + outer * 2);
    const start = r0 + (r1 - r0 - step * (n - inner)) * (s.align ?? 0.5);
    const width = s.type === 'band' ? step * (1 - inner) : 0;
    let best = 0;
    for (let i = 1; i < n; i++) if (Math.abs(start + step * i + width / 2 - p) < Math.abs(start + step * best + width / 2 - p)) best = i;
    return String(s.domain[best]);
  }
  const domain = s.domain as number[];
  const [f, fi] = transforms(s);
  let i = 0;
  while (i < range.length - 2 && (p - range[i + 1]!) * (range[i + 1]! - range[i]!) > 0) i++;
  const t = (p - range[i]!) / (range[i + 1]! - range[i]!);
  return fi(f(domain[i]!) + t * (f(domain[i + 1]!) - f(domain[i]!)));
}

/** A value under the pointer, as the report writes numbers (@hw1/pipeline/format), to four digits. */
function format(v: number | string | null): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (Math.abs(v - Math.round(v)) < 1e-6 * Math.max(1, Math.abs(v))) return int(v);
  return sci(v, 4);
}

/** An axis label without Plot's direction arrows. */
const axisName = (label: string | null, fallback: string) => (label ?? '').replace(/[↑↓←→]/g, '').trim() || fallback;

/** The colour an element is drawn with: its own attribute, else its group's. */
function colourOf(el: Element, attr: 'stroke' | 'fill'): string | null {
  for (let e: Element | null = el; e && e.tagName.toLowerCase() !== 'svg'; e = e.parentElement) {
    const c = e.getAttribute(attr);
    if (c && c !== 'none') return c;
  }
  return null;
}

/** The vertices of a path's "d" (absolute M/L/H/V/C commands, as Plot writes them). */
function vertices(d: string): [number, number][] {
  const out: [number, number][] = [];
  const re = /([MLHVCZ])([^MLHVCZ]*)/gi;
  let x = 0;
  let y = 0;
  for (let m = re.exec(d); m; m = re.exec(d)) {
    const n = (m[2]!.match(/-?\d*\.?\d+(?:e[-+]?\d+)?/gi) ?? []).map(Number);
    const cmd = m[1]!.toUpperCase();
    if (cmd === 'H') x = n.at(-1) ?? x;
    else if (cmd === 'V') y = n.at(-1) ?? y;
    else if (cmd === 'C') [x, y] = [n.at(-2) ?? x, n.at(-1) ?? y];
    else if (cmd === 'M' || cmd === 'L') {
      for (let k = 0; k + 1 < n.length; k += 2) out.push([n[k]!, n[k + 1]!]);
      continue;
    } else continue;
    out.push([x, y]);
  }
  return out;
}

function setUp(svg: SVGSVGElement, tip: HTMLElement, container: HTMLElement): void {
  let scales: Scales;
  try {
    scales = JSON.parse(svg.dataset.scales ?? '{}') as Scales;
  } catch {
    return;
  }
  const colourNames = new Map<string, string>();
  // An ordinal colour scale cycles through its range: the i-th name gets the i-th colour (mod the range's length).
  const colour = scales.color;
  if (colour && colour.type === 'ordinal' && colour.range.length > 0) {
    colour.domain.forEach((name, i) => {
      colourNames.set(String(colour.range[i % colour.range.length]).toLowerCase(), String(name));
    });
  }
  // Axis names as the chart prints them; a panel without its own x label (stacked panels) borrows its figure's.
  const axisLabel = (axis: 'x' | 'y') =>
    (svg.querySelector(`g[aria-label="${axis}-axis label"] text`) ?? container.querySelector(`svg[data-scales] g[aria-label="${axis}-axis label"] text`))
      ?.textContent ?? null;
  const names = { x: axisName(axisLabel('x'), 'x'), y: axisName(axisLabel('y'), 'y') };
  let points: Point[] | null = null;
  const collect = (): Point[] => {
    const out: Point[] = [];
    const add = (el: SVGGraphicsElement, local: [number, number][], attr: 'stroke' | 'fill') => {
      const m = el.getCTM();
      if (!m) return;
      const colour = colourOf(el, attr);
      const group = el.closest('g[aria-label]');
      const series = (colour && colourNames.get(colour.toLowerCase())) ?? group?.getAttribute('aria-description') ?? '';
      for (const [px, py] of local) out.push({ px, py, ux: m.a * px + m.c * py + m.e, uy: m.b * px + m.d * py + m.f, el, series, colour });
    };
    for (const path of svg.querySelectorAll<SVGPathElement>('g[aria-label="line"] path')) add(path, vertices(path.getAttribute('d') ?? ''), 'stroke');
    for (const c of svg.querySelectorAll<SVGCircleElement>('g[aria-label="dot"] circle')) {
      add(
        c,
        [[Number(c.getAttribute('cx') ?? 0), Number(c.getAttribute('cy') ?? 0)]],
        c.getAttribute('fill') === 'none' ? 'stroke' : colourOf(c, 'fill') && colourOf(c, 'fill') !== 'currentColor' ? 'fill' : 'stroke',
      );
    }
    return out;
  };
  const ring = document.createElementNS(SVG, 'circle');
  ring.setAttribute('r', '5');
  ring.setAttribute('fill', 'none');
  ring.setAttribute('stroke', 'currentColor');
  ring.setAttribute('stroke-width', '2');
  ring.setAttribute('pointer-events', 'none');
  ring.setAttribute('aria-hidden', 'true');
  ring.style.display = 'none';
  svg.append(ring);

  const hide = () => {
    tip.hidden = true;
    ring.style.display = 'none';
  };
  svg.addEventListener('pointerleave', hide);
  svg.addEventListener('pointermove', (event) => {
    points ??= collect();
    const screen = svg.getScreenCTM();
    if (!screen || points.length === 0) return;
    const inv = screen.inverse();
    const ux = inv.a * event.clientX + inv.c * event.clientY + inv.e;
    const uy = inv.b * event.clientX + inv.d * event.clientY + inv.f;
    let best: Point | null = null;
    let bestDistance = Infinity;
    for (const p of points) {
      if (p.el.closest('.series-hidden')) continue;
      const dist = (p.ux - ux) ** 2 + (p.uy - uy) ** 2;
      if (dist < bestDistance) [best, bestDistance] = [p, dist];
    }
    // Only a point near the pointer (in the chart's own units, 720 wide): no tooltip in empty space.
    if (!best || bestDistance > 40 ** 2) return hide();
    ring.setAttribute('cx', String(best.ux));
    ring.setAttribute('cy', String(best.uy));
    ring.style.display = '';
    const rows: [string, string][] = [
      [names.x, format(invert(scales.x, best.px))],
      [names.y, format(invert(scales.y, best.py))],
    ];
    tip.replaceChildren();
    if (best.series) {
      const head = document.createElement('strong');
      if (best.colour && best.colour !== 'currentColor') {
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = best.colour;
        head.append(swatch);
      }
      head.append(best.series);
      tip.append(head);
    }
    for (const [name, value] of rows) {
      const line = document.createElement('div');
      line.textContent = `${name}: ${value}`;
      tip.append(line);
    }
    tip.hidden = false;
    const box = container.getBoundingClientRect();
    const at = new DOMPoint(best.ux, best.uy).matrixTransform(screen);
    const left = at.x - box.left + container.scrollLeft;
    const flip = left + tip.offsetWidth + 16 > container.clientWidth;
    tip.style.left = `${flip ? left - tip.offsetWidth - 12 : left + 12}px`;
    // Above the point, or below it where the chart's top edge would cut the tooltip off.
    const above = at.y - box.top - tip.offsetHeight - 10;
    tip.style.top = `${above >= 0 ? above : at.y - box.top + 14}px`;
  });
}

/** Legend entries become buttons that hide or show every mark drawn in their colour, in all panels of the figure. */
function legendToggles(figure: HTMLElement): void {
  for (const swatch of figure.querySelectorAll<HTMLElement>('span[class$="-swatch"]')) {
    const colour = (swatch.querySelector('svg')?.getAttribute('fill') ?? swatch.querySelector('[fill]')?.getAttribute('fill'))?.toLowerCase();
    if (!colour) continue;
    const name = swatch.textContent?.trim() ?? '';
    swatch.setAttribute('role', 'button');
    swatch.setAttribute('tabindex', '0');
    swatch.setAttribute('aria-pressed', 'true');
    swatch.setAttribute('title', `Hide or show ${name}`);
    swatch.classList.add('series-toggle');
    const toggle = () => {
      const on = swatch.getAttribute('aria-pressed') !== 'true';
      swatch.setAttribute('aria-pressed', String(on));
      for (const el of figure.querySelectorAll('svg[data-scales] [stroke], svg[data-scales] [fill]')) {
        if (el.closest('[aria-label$="axis"], [aria-label$="grid"]')) continue;
        if (el.getAttribute('stroke')?.toLowerCase() === colour || el.getAttribute('fill')?.toLowerCase() === colour) el.classList.toggle('series-hidden', !on);
      }
    };
    swatch.addEventListener('click', toggle);
    swatch.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        toggle();
      }
    });
  }
}

/** A chart wider than its box (on a phone) scrolls sideways: the box then takes keyboard focus, so that arrow keys scroll it too. */
function scrollableByKeyboard(figure: HTMLElement, container: HTMLElement): void {
  const label = figure.querySelector('figcaption strong')?.textContent?.replace(/\.$/, '') ?? 'Figure';
  const update = () => {
    if (container.scrollWidth > container.clientWidth + 1) {
      container.tabIndex = 0;
      container.setAttribute('role', 'group');
      container.setAttribute('aria-label', `${label}, scrolls sideways`);
    } else {
      for (const a of ['tabindex', 'role', 'aria-label']) container.removeAttribute(a);
    }
  };
  new ResizeObserver(update).observe(container);
}

for (const figure of document.querySelectorAll<HTMLElement>('figure.figure')) {
  const container = figure.querySelector<HTMLElement>('.plot');
  if (!container) continue;
  scrollableByKeyboard(figure, container);
  const tip = document.createElement('div');
  tip.className = 'figure-tooltip';
  tip.hidden = true;
  tip.setAttribute('aria-hidden', 'true');
  container.append(tip);
  for (const svg of container.querySelectorAll<SVGSVGElement>('svg[data-scales]')) setUp(svg, tip, container);
  legendToggles(figure);
}
