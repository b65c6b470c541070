/**
 * The band figure most of the report draws: per x, the median over seeds as a
 * line and the min–max range as a band, one series per colour, panels stacked
 * on one x axis; compare mode draws the base dashed underneath (../data/compare.ts).
 */
import { logTick } from '@hw1/pipeline/format';
import { spread } from '@hw1/pipeline/stats';
import type { Side } from '../data/sides.ts';
import { Plot, palette, renderPlot, sideMarks, sidesLegend } from './plot.ts';

export interface BandRow {
  x: number;
  series: string;
  median: number;
  min: number;
  max: number;
}

/** Rows of one series: for each x, the median and range of the values given by every seed. */
export function bandRows(series: string, points: ReadonlyArray<{ x: number; values: readonly number[] }>): BandRow[] {
  return points.filter((p) => p.values.length > 0).map((p) => ({ x: p.x, series, ...spread(p.values) }));
}

export interface PanelOptions {
  x: Plot.ScaleOptions;
  y: Plot.ScaleOptions;
  series: readonly string[];
  colors?: readonly string[];
  height?: number;
  /** Only the bottom panel of a stack labels its x axis; the top one carries the colour legend. */
  position?: 'top' | 'middle' | 'bottom' | 'alone';
  /** Marks at each x (for a few x values); lines alone for dense ones. */
  dots?: boolean;
  /** Extra marks drawn under the data (e.g. reference lines), the same on every side. */
  under?: Plot.Markish[];
}

/** One panel: median line and min–max band per series, for every side (base dashed underneath in compare mode). */
export function bandPanel(perSide: ReadonlyArray<{ side: Side<unknown>; rows: BandRow[] }>, o: PanelOptions): string {
  const position = o.position ?? 'alone';
  const bottom = position === 'bottom' || position === 'alone';
  const top = position === 'top' || position === 'alone';
  return renderPlot({
    width: 720,
    height: o.height ?? (bottom ? 290 : 230),
    marginLeft: 64,
    // Room for the y-axis label above every panel.
    marginTop: 26,
    marginBottom: bottom ? 42 : 10,
    style: { fontSize: '12px' },
    x: { ...o.x, grid: true, ...(bottom ? {} : { label: null, tickFormat: () => '' }) } as Plot.ScaleOptions,
    y: { grid: true, ...o.y } as Plot.ScaleOptions,
    color: { domain: [...o.series], range: [...(o.colors ?? palette)], legend: top },
    marks: [
      ...(o.under ?? []),
      ...perSide.flatMap(({ side, rows }) => {
        const st = sideMarks(side);
        return [
          Plot.areaY(rows, st.area({ x: 'x', y1: 'min', y2: 'max', z: 'series', fill: 'series', fillOpacity: 0.15, ariaDescription: 'range over seeds' })),
          Plot.lineY(rows, st.line({ x: 'x', y: 'median', z: 'series', stroke: 'series', strokeWidth: 1.75, ariaDescription: 'median over seeds' })),
          ...(o.dots ? [Plot.dot(rows, st.dot({ x: 'x', y: 'median', fill: 'series', r: 3, ariaDescription: 'median at each value' }))] : []),
        ];
      }),
    ],
  });
}

/** Panels stacked on one shared x axis, with the compare key above them. */
export function stack(all: ReadonlyArray<Side<unknown>>, panels: string[]): string {
  return sidesLegend(all) + panels.join('');
}

/** The two series of a train/test figure and their colours. */
export const trainTest = ['training', 'test'] as const;
export const trainTestColors = [palette[0]!, palette[1]!];

/** The y axis of a classifier's loss (log) or accuracy (%) panel. */
export const lossAxis = (what: string): Plot.ScaleOptions => ({ type: 'log', label: `↑ ${what} loss (cross-entropy, log)`, tickFormat: logTick });
export const accuracyAxis = (what: string): Plot.ScaleOptions => ({ label: `↑ ${what} accuracy (%)`, domain: [0, 100] });
