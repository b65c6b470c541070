/**
 * What a stage's view (a module of this folder named after its stage) offers
 * the pages: figures by name, drawn by <StageFigure stage figure …args>, and
 * facts, quoted by <Value stage fact>. A view reads its stage's artifact
 * through ../lib/data and draws with ../lib/figures.
 */
import type { FigureParts } from '../lib/figures/figure.ts';

/** The attributes a page gives a figure besides stage, figure and label (e.g. fn="sinc"). */
export type FigureArgs = Readonly<Record<string, string | undefined>>;

export interface StageView {
  figures?: Record<string, (args: FigureArgs) => FigureParts>;
  /** The facts of the head's data, as a tree that <Value fact="a.b"> walks. */
  facts?: () => object;
}

/** A figure's attribute, or an error naming the page's mistake. */
export function argument(args: FigureArgs, key: string, stage: string, figure: string): string {
  const v = args[key];
  if (!v) throw new Error(`<StageFigure stage="${stage}" figure="${figure}">: needs the attribute ${key}="…"`);
  return v;
}
