/**
 * Observable Plot rendered at build time: the figure becomes SVG markup in the
 * page, so it shows without JavaScript. linkedom supplies the DOM Plot draws into.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';

/** Okabe–Ito colours, distinguishable with the common colour-vision deficiencies. */
export const palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

export function renderPlot(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');
  const node = Plot.plot({ ...options, document } as Plot.PlotOptions) as unknown as { outerHTML: string };
  return node.outerHTML;
}

/** At most `max` evenly spaced indices of 0..n-1, always including the last. */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil(n / max);
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

const superscript = (n: number) => String(n).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]!);

/** Tick labels for a log axis: powers of ten as 10⁻³, other ticks unlabelled (Plot's default "1m" reads as metres). */
export function powerOfTen(value: number): string {
  const exp = Math.log10(value);
  if (Math.abs(exp - Math.round(exp)) > 1e-9) return '';
  const k = Math.round(exp);
  return k === 0 ? '1' : k === 1 ? '10' : `10${superscript(k)}`;
}

export { Plot };
