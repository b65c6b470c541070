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

const superscript = (n: number) => String(n).replace(/[-0-9]/g, (c) => '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'['-0123456789'.indexOf(c)]!);

/**
 * Tick labels for a log axis: 10⁻³ for powers of ten, 2·10⁻³ and 5·10⁻³ for
 * the 2s and 5s (so an axis spanning less than a decade still has labels),
 * nothing for other ticks. Plot's default "1m" reads as metres.
 */
export function powerOfTen(value: number): string {
  const k = Math.floor(Math.log10(value) + 1e-9);
  const mantissa = value / 10 ** k;
  const power = k === 0 ? '1' : k === 1 ? '10' : `10${superscript(k)}`;
  if (Math.abs(mantissa - 1) < 1e-6) return power;
  for (const m of [2, 5]) if (Math.abs(mantissa - m) < 1e-6) return k === 0 ? String(m) : `${m}·${power}`;
  return '';
}

export { Plot };
