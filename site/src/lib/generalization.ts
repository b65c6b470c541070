/**
 * Views of the section 1-3 artifacts (random labels, parameters vs.
 * generalization, flatness by interpolation and by sensitivity) used by
 * their figures, tables and prose. Every figure draws, per x, the median over
 * seeds as a line and the min–max range as a band; compare mode overlays the
 * base (./compare.ts).
 */
import { flatnessInterpolation, type InterpolationData } from '@hw1/pipeline/stages/flatness-interpolation.schema.ts';
import { flatnessSensitivity, type SensitivityData } from '@hw1/pipeline/stages/flatness-sensitivity.schema.ts';
import { parametersVsGeneralization, type ParametersData } from '@hw1/pipeline/stages/parameters-vs-generalization.schema.ts';
import { randomLabels, type RandomLabelsData } from '@hw1/pipeline/stages/random-labels.schema.ts';
import { interpolationArtifact, parametersArtifact, randomLabelsArtifact, sensitivityArtifact } from './artifacts.ts';
import { sidesOf, type Side } from './compare.ts';
import { Plot, palette, renderPlot, sideMarks, sidesLegend } from './plot.ts';
import { median, spread } from './stats.ts';


export const generalizationSpecs = { 'random-labels': randomLabels, 'parameters-vs-generalization': parametersVsGeneralization, 'flatness-interpolation': flatnessInterpolation, 'flatness-sensitivity': flatnessSensitivity } as const;
export type GeneralizationStage = keyof typeof generalizationSpecs;


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

/**
 * A summary of one side's data, computed once per data object: the prose
 * quotes each fact many times, the claims check them again, and the print
 * page renders every section a second time. Without an argument: the head's.
 */
function factsOf<D extends object, R>(compute: (d: D) => R, head: () => { data: D }): (d?: D) => R {
  const cache = new WeakMap<D, R>();
  return (d = head().data) => {
    if (!cache.has(d)) cache.set(d, compute(d));
    return cache.get(d)!;
  };
}

export const trainTest = ['training', 'test'] as const;
export const trainTestColors = [palette[0]!, palette[1]!];

/** "rises", "falls", or a weaker word, from the medians in x order: what a sentence may say about a trend. */
export function trendWord(values: readonly number[]): string {
  const steps = values.slice(1).map((v, i) => Math.sign(v - values[i]!));
  if (steps.length === 0) return 'has a single value';
  if (steps.every((s) => s > 0)) return 'rises at every step';
  if (steps.every((s) => s < 0)) return 'falls at every step';
  const rank = (xs: readonly number[]) => xs.map((x) => xs.filter((y) => y < x).length);
  const rx = rank(values.map((_, i) => i));
  const ry = rank(values);
  const n = values.length;
  const d2 = rx.reduce((s, r, i) => s + (r - ry[i]!) ** 2, 0);
  const rho = 1 - (6 * d2) / (n * (n * n - 1));
  if (rho >= 0.8) return 'rises overall (not at every step)';
  if (rho <= -0.8) return 'falls overall (not at every step)';
  return 'shows no monotone trend';
}

// ---- random labels ------------------------------------------------------------------------------

export const randomLabelsSides = (): Side<RandomLabelsData>[] => sidesOf(randomLabels);

export const labelSeries = (kind: 'random' | 'true', split: 'training' | 'test') => `${kind} labels · ${split}`;
export const randomLabelsSeries = [labelSeries('random', 'training'), labelSeries('random', 'test'), labelSeries('true', 'training'), labelSeries('true', 'test')];

export function randomLabelsRows(d: RandomLabelsData, metric: 'loss' | 'accuracy'): BandRow[] {
  const pick = (m: { loss: number; accuracy: number }) => (metric === 'loss' ? m.loss : 100 * m.accuracy);
  return (['random', 'true'] as const).flatMap((kind) => {
    const runs = d.runs.filter((r) => r.labels === kind && !r.diverged);
    if (runs.length === 0) return [];
    const epochs = Math.min(...runs.map((r) => r.epochs.length));
    return (['training', 'test'] as const).flatMap((split) =>
      bandRows(
        labelSeries(kind, split),
        Array.from({ length: epochs }, (_, e) => ({ x: e, values: runs.map((r) => pick(split === 'training' ? r.epochs[e]!.train : r.epochs[e]!.test)) })),
      ),
    );
  });
}

function computeRandomLabelsFacts(d: RandomLabelsData) {
  const finals = (kind: 'random' | 'true') => d.runs.filter((r) => r.labels === kind && !r.diverged).map((r) => r.epochs.at(-1)!);
  const random = finals('random');
  const real = finals('true');
  // Median over seeds of the first epoch reaching a training accuracy; NaN ("not reached") if any seed never did.
  const firstEpochAt = (threshold: number, kind: 'random' | 'true' = 'random') => {
    const epochs = d.runs.filter((r) => r.labels === kind && !r.diverged).map((r) => r.epochs.find((e) => e.train.accuracy >= threshold)?.epoch ?? NaN);
    return epochs.some(Number.isNaN) ? NaN : median(epochs);
  };
  return {
    epochs: d.setup.epochs,
    randomTrainAccuracy: median(random.map((e) => e.train.accuracy)),
    randomTestAccuracy: median(random.map((e) => e.test.accuracy)),
    randomTestLoss: median(random.map((e) => e.test.loss)),
    initialTestLoss: median(d.runs.filter((r) => r.labels === 'random').map((r) => r.epochs[0]!.test.loss)),
    trueTrainAccuracy: real.length ? median(real.map((e) => e.train.accuracy)) : NaN,
    trueTestAccuracy: real.length ? median(real.map((e) => e.test.accuracy)) : NaN,
    epochsTo99: firstEpochAt(0.99),
    epochsTo90: firstEpochAt(0.9),
    trueEpochsTo99: real.length ? firstEpochAt(0.99, 'true') : NaN,
    majorityClassShare: d.setup.majorityClassShare,
    unchangedLabels: d.setup.unchangedLabels,
    seeds: d.setup.seeds.length,
  };
}

// ---- parameters vs. generalization --------------------------------------------------------------

export const parametersSides = (): Side<ParametersData>[] => sidesOf(parametersVsGeneralization);

export function parametersRows(d: ParametersData, metric: 'loss' | 'accuracy'): BandRow[] {
  const pick = (m: { loss: number; accuracy: number }) => (metric === 'loss' ? m.loss : 100 * m.accuracy);
  return trainTest.flatMap((split) =>
    bandRows(
      split,
      d.models.map((m) => {
        const ok = m.runs.filter((r) => !r.diverged);
        return { x: m.parameters, values: ok.map((r) => pick(split === 'training' ? r.train! : r.test!)) };
      }),
    ),
  );
}

function computeParametersFacts(d: ParametersData) {
  const rows = d.models.map((m) => {
    const ok = m.runs.filter((r) => !r.diverged);
    return {
      width: m.width,
      parameters: m.parameters,
      trainLoss: median(ok.map((r) => r.train!.loss)),
      testLoss: median(ok.map((r) => r.test!.loss)),
      trainAccuracy: median(ok.map((r) => r.train!.accuracy)),
      testAccuracy: median(ok.map((r) => r.test!.accuracy)),
    };
  });
  const by = <K extends keyof (typeof rows)[number]>(k: K, best: 'min' | 'max') => rows.reduce((a, b) => ((best === 'min' ? b[k] < a[k] : b[k] > a[k]) ? b : a));
  return {
    rows,
    smallest: rows[0]!,
    largest: rows.at(-1)!,
    lowestTestLoss: by('testLoss', 'min'),
    highestTestAccuracy: by('testAccuracy', 'max'),
    trainLossTrend: trendWord(rows.map((r) => r.trainLoss)),
    testAccuracyTrend: trendWord(rows.map((r) => r.testAccuracy)),
  };
}

// ---- flatness, part 1: interpolation ------------------------------------------------------------

export const interpolationSides = (): Side<InterpolationData>[] => sidesOf(flatnessInterpolation);

export function interpolationRows(d: InterpolationData, metric: 'loss' | 'accuracy'): BandRow[] {
  const pick = (m: { loss: number; accuracy: number }) => (metric === 'loss' ? m.loss : 100 * m.accuracy);
  const alphas = d.curves[0]?.points.map((p) => p.alpha) ?? [];
  return trainTest.flatMap((split) =>
    bandRows(
      split,
      alphas.map((alpha, i) => ({ x: alpha, values: d.curves.map((c) => pick(split === 'training' ? c.points[i]!.train : c.points[i]!.test)) })),
    ),
  );
}

function computeInterpolationFacts(d: InterpolationData) {
  const at = (alpha: number) => {
    const pts = d.curves.map((c) => c.points.find((p) => p.alpha === alpha)!);
    return { trainLoss: median(pts.map((p) => p.train.loss)), testLoss: median(pts.map((p) => p.test.loss)), trainAccuracy: median(pts.map((p) => p.train.accuracy)), testAccuracy: median(pts.map((p) => p.test.accuracy)) };
  };
  // The highest training loss on the segment between the two models, above the higher of its ends.
  const barrier = median(
    d.curves.map((c) => {
      const inside = c.points.filter((p) => p.alpha >= 0 && p.alpha <= 1).map((p) => p.train.loss);
      const ends = Math.max(c.points.find((p) => p.alpha === 0)!.train.loss, c.points.find((p) => p.alpha === 1)!.train.loss);
      return Math.max(...inside) - ends;
    }),
  );
  const [first, second] = d.setup.models;
  const epochsOf = (name: string) => median(d.trained.filter((t) => t.model === name && !t.diverged).map((t) => t.epochs.length));
  // The same distance |θ₂ − θ₁| beyond each model: at α = 0 − 1 and α = 1 + 1 (when the grid reaches them).
  const alphas = d.curves[0]?.points.map((p) => p.alpha) ?? [];
  const reach = Math.min(-Math.min(0, ...alphas), Math.max(1, ...alphas) - 1);
  const outside = { first: at(-reach).trainLoss, second: at(1 + reach).trainLoss, distance: reach };
  const sharperSide = outside.first > outside.second ? first!.name : second!.name;
  return {
    first: { ...first!, ...at(0), epochs: epochsOf(first!.name) },
    second: { ...second!, ...at(1), epochs: epochsOf(second!.name) },
    barrier,
    outside,
    sharperSide,
    flatterSide: sharperSide === first!.name ? second!.name : first!.name,
    seeds: d.curves.length,
  };
}

// ---- flatness, part 2: sensitivity and sharpness ------------------------------------------------

export const sensitivitySides = (): Side<SensitivityData>[] => sidesOf(flatnessSensitivity);

export function sensitivityRows(d: SensitivityData, metric: 'loss' | 'accuracy' | 'sensitivity' | 'sharpness'): BandRow[] {
  const ok = (m: SensitivityData['models'][number]) => m.runs.filter((r) => !r.diverged);
  if (metric === 'sensitivity' || metric === 'sharpness') {
    const name = metric === 'sensitivity' ? 'sensitivity (test)' : 'sharpness (training loss)';
    return bandRows(name, d.models.map((m) => ({ x: m.batchSize, values: ok(m).map((r) => (metric === 'sensitivity' ? r.sensitivity! : r.sharpness!.value)) })));
  }
  const pick = (x: { loss: number; accuracy: number }) => (metric === 'loss' ? x.loss : 100 * x.accuracy);
  return trainTest.flatMap((split) =>
    bandRows(split, d.models.map((m) => ({ x: m.batchSize, values: ok(m).map((r) => pick(split === 'training' ? r.train! : r.test!)) }))),
  );
}

function computeSensitivityFacts(d: SensitivityData) {
  const rows = d.models.map((m) => {
    const ok = m.runs.filter((r) => !r.diverged);
    return {
      batchSize: m.batchSize,
      epochs: median(ok.map((r) => r.epochsTrained)),
      trainLoss: median(ok.map((r) => r.train!.loss)),
      testLoss: median(ok.map((r) => r.test!.loss)),
      testAccuracy: median(ok.map((r) => r.test!.accuracy)),
      sensitivity: median(ok.map((r) => r.sensitivity!)),
      sharpness: median(ok.map((r) => r.sharpness!.value)),
      unconverged: ok.filter((r) => !r.sharpness!.converged).length,
    };
  });
  return {
    rows,
    smallest: rows[0]!,
    largest: rows.at(-1)!,
    testAccuracyTrend: trendWord(rows.map((r) => r.testAccuracy)),
    testLossTrend: trendWord(rows.map((r) => r.testLoss)),
    sensitivityTrend: trendWord(rows.map((r) => r.sensitivity)),
    sharpnessTrend: trendWord(rows.map((r) => r.sharpness)),
    unconverged: rows.reduce((s, r) => s + r.unconverged, 0),
  };
}

export const randomLabelsFacts = factsOf(computeRandomLabelsFacts, randomLabelsArtifact);
export const parametersFacts = factsOf(computeParametersFacts, parametersArtifact);
export const interpolationFacts = factsOf(computeInterpolationFacts, interpolationArtifact);
export const sensitivityFacts = factsOf(computeSensitivityFacts, sensitivityArtifact);
