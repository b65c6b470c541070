/**
 * What a reader's browser makes of each figure's text, measured rather than
 * looked at: the size every text really renders at (CSS pixels, after the
 * SVG is scaled to its box), text boxes that overlap, text that leaves its
 * chart, and the labelled ticks of each axis. Used by figure-layout.test.ts.
 */
import type { Page } from 'playwright-core';

export interface FigureLayout {
  id: string;
  /** Texts measured: SVG texts (tick labels, axis titles, end labels, legend ticks) and legend entries. */
  texts: number;
  /** The smallest rendered font size (CSS px) and the text that has it. */
  minFontPx: number;
  smallest: string;
  /** Pairs of texts whose boxes intersect by more than the tolerance in both directions. */
  overlaps: string[];
  /** Texts sticking out of their chart's box (cut off by the browser or spilling onto the page). */
  outside: string[];
  /** Per chart and axis: the scale's type and how many ticks carry a label. */
  axes: { chart: number; axis: 'x' | 'y'; type: string; labelled: number }[];
}

export interface PageLayout {
  figures: FigureLayout[];
  /** How far the page itself scrolls sideways (0 when everything fits or scrolls in its own box). */
  pageOverflowPx: number;
  /** Elements wider than the viewport that are not inside a box that scrolls. */
  wideElements: string[];
  /** Boxes that scroll sideways inside another such box (e.g. a table in a table's cell): squeezed, not laid out. */
  nestedScrollers: string[];
}

/** Measures every figure of the open page; `tolerance` is how many CSS px two boxes may share before they count as overlapping. */
export const pageLayout = (page: Page, tolerance = 1): Promise<PageLayout> =>
  page.evaluate((tol) => {
    const visible = (el: Element) => {
      const s = getComputedStyle(el);
      return s.display !== 'none' && s.visibility !== 'hidden' && Number(s.opacity) > 0 && !el.closest('.series-hidden');
    };
    const short = (t: string) => (t.length > 40 ? `${t.slice(0, 39)}…` : t);
    const figures = [...document.querySelectorAll('figure.figure')].map((figure) => {
      const items: { text: string; box: DOMRect; fontPx: number; chart: Element | null }[] = [];
      for (const t of figure.querySelectorAll<SVGTextElement>('.plot svg text')) {
        const text = (t.textContent ?? '').trim();
        if (!text || !visible(t)) continue;
        const box = t.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const m = t.getScreenCTM();
        const scale = m ? Math.hypot(m.a, m.b) : 1;
        items.push({ text, box, fontPx: Number.parseFloat(getComputedStyle(t).fontSize) * scale, chart: t.ownerSVGElement });
      }
      // Legend entries are HTML (Plot's swatches, the compare key): their own text, at their own CSS size.
      for (const e of figure.querySelectorAll<HTMLElement>('.plot [class$="-swatch"], .plot .compare-key')) {
        const text = (e.textContent ?? '').trim();
        if (!text || !visible(e)) continue;
        // The smallest size any of its own text has (e.g. the compare key's <small>).
        const sizes = [e, ...e.querySelectorAll('*')]
          .filter((x) => [...x.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== ''))
          .map((x) => Number.parseFloat(getComputedStyle(x).fontSize));
        items.push({ text, box: e.getBoundingClientRect(), fontPx: Math.min(...sizes), chart: null });
      }
      const overlaps: string[] = [];
      for (let i = 0; i < items.length; i++)
        for (let j = i + 1; j < items.length; j++) {
          const [a, b] = [items[i]!.box, items[j]!.box];
          const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (w > tol && h > tol) overlaps.push(`"${short(items[i]!.text)}" × "${short(items[j]!.text)}" (${w.toFixed(1)}×${h.toFixed(1)} px)`);
        }
      const outside = items
        .filter((it) => {
          if (!it.chart) return false;
          const c = it.chart.getBoundingClientRect();
          return it.box.left < c.left - tol || it.box.right > c.right + tol || it.box.top < c.top - tol || it.box.bottom > c.bottom + tol;
        })
        .map((it) => `"${short(it.text)}"`);
      const smallest = items.reduce<(typeof items)[number] | null>((s, it) => (!s || it.fontPx < s.fontPx ? it : s), null);
      const axes = [...figure.querySelectorAll<SVGSVGElement>('svg[data-scales]')].flatMap((svg, chart) => {
        const scales = JSON.parse(svg.dataset.scales ?? '{}') as Record<string, { type: string }>;
        return (['x', 'y'] as const)
          .filter((axis) => scales[axis])
          .map((axis) => ({
            chart,
            axis,
            type: scales[axis]!.type,
            labelled: [...svg.querySelectorAll(`g[aria-label="${axis}-axis tick label"] text`)].filter((t) => (t.textContent ?? '').trim() !== '').length,
          }));
      });
      return {
        id: figure.id,
        texts: items.length,
        minFontPx: smallest?.fontPx ?? Number.POSITIVE_INFINITY,
        smallest: smallest ? short(smallest.text) : '',
        overlaps,
        outside,
        axes,
      };
    });
    const width = document.documentElement.clientWidth;
    const scrolls = (el: Element | null): boolean => {
      for (let e = el; e && e !== document.body; e = e.parentElement) if (/auto|scroll|hidden/.test(getComputedStyle(e).overflowX)) return true;
      return false;
    };
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.classList.length ? `.${[...el.classList].join('.')}` : ''}`;
    const nestedScrollers = [...document.body.querySelectorAll('*')]
      .filter((el) => /auto|scroll/.test(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1 && scrolls(el.parentElement) && visible(el))
      .map(name);
    const wideElements = [...document.body.querySelectorAll('*')]
      .filter((el) => el.getBoundingClientRect().right > width + 1 && !scrolls(el.parentElement) && visible(el))
      .map(name);
    return {
      figures,
      pageOverflowPx: document.documentElement.scrollWidth - width,
      wideElements: [...new Set(wideElements)].slice(0, 10),
      nestedScrollers: [...new Set(nestedScrollers)].slice(0, 10),
    };
  }, tolerance);
