/**
 * A stage's site side: one module per stage (src/stages/<stage>.ts), whose
 * default export is `defineView('<stage>', { facts, figures, checks })`.
 * Everything in it is a pure function of that stage's artifact data:
 *
 * - facts(data): the numbers and words the prose quotes, a tree that
 *   <Value stage fact="a.b"> walks and <When stage has="a.b"> tests;
 * - figures[name](sides, args): the parts of one figure that
 *   <StageFigure stage figure …args> places, drawn from the sides (the head
 *   alone in a normal build; base and head in a compare build, ../lib/data/sides.ts);
 * - checks[name]: claims and findings (../lib/claims/check.ts) that
 *   <Claim check> and <Finding check when> show, each with its outcomes.
 *
 * Where a new thing goes: a figure, fact or check of a stage goes in that
 * stage's module, its test on a fixture in test/unit/checks/<stage>.test.ts,
 * and its sentence in the stage's MDX page. Tables and sentences with their
 * own markup are components (src/components) that call the module's exported
 * helpers with the data they read from ../lib/data.
 *
 * What a view may import: ../lib/figures (drawing), ../lib/claims/check.ts,
 * ../lib/data/sides.ts and facts.ts (plain helpers) and the pipeline's pure
 * modules; never ../lib/data/artifacts.ts or compare.ts, which read files
 * (the import-graph rules in .dependency-cruiser.cjs hold both ways: nothing
 * under ../lib imports a stage). The registry (./index.ts) joins a view to
 * its data.
 */
import type { StageData, StageName } from '@hw1/pipeline/stages';
import type { Check } from '../lib/claims/check.ts';
import type { Side } from '../lib/data/sides.ts';
import type { FigureParts } from '../lib/figures/figure.ts';

/** The attributes a page gives a figure besides stage, figure and label (e.g. fn="sinc"). */
export type FigureArgs = Readonly<Record<string, string | undefined>>;

export type Figure<D> = (sides: readonly Side<D>[], args: FigureArgs) => FigureParts;

export interface StageView<D, C extends Record<string, Check<D, string>> = Record<string, Check<D, string>>> {
  stage: StageName;
  facts?: (data: D) => object;
  figures?: Record<string, Figure<D>>;
  checks?: C;
}

/** A stage's view, typed by its stage's data (its check names and outcomes stay literal types, for the pages' props). */
export function defineView<N extends StageName, const C extends Record<string, Check<StageData<N>, string>> = Record<never, never>>(
  stage: N,
  view: Omit<StageView<StageData<N>, C>, 'stage'>,
): StageView<StageData<N>, C> & { stage: N } {
  return { stage, ...view };
}

/** A figure's attribute, or an error naming the page's mistake. */
export function argument(args: FigureArgs, key: string, stage: string, figure: string): string {
  const v = args[key];
  if (!v) throw new Error(`<StageFigure stage="${stage}" figure="${figure}">: needs the attribute ${key}="…"`);
  return v;
}
