/**
 * Every stage's view, found by file name (src/stages/<stage>.ts): a new
 * stage's view needs no list to be added to.
 */
import type { FigureParts } from '../lib/figures/figure.ts';
import type { FigureArgs, StageView } from './view.ts';

const modules = import.meta.glob<StageView>(['./*.ts', '!./index.ts', '!./view.ts'], { eager: true });
const views = new Map(Object.entries(modules).map(([file, module]) => [file.replace(/^\.\/(.*)\.ts$/, '$1'), module]));

function viewOf(stage: string): StageView {
  const view = views.get(stage);
  if (!view) throw new Error(`no view for stage "${stage}": expected site/src/stages/${stage}.ts (views: ${[...views.keys()].join(', ')})`);
  return view;
}

/** The parts of a stage's named figure. */
export function figureOf(stage: string, figure: string, args: FigureArgs): FigureParts {
  const draw = viewOf(stage).figures?.[figure];
  if (!draw)
    throw new Error(
      `<StageFigure stage="${stage}" figure="${figure}">: site/src/stages/${stage}.ts has no such figure (it has ${Object.keys(viewOf(stage).figures ?? {}).join(', ') || 'none'})`,
    );
  return draw(args);
}

/** A fact of a stage by its dotted path, e.g. "largest.testAccuracy". */
export function factOf(stage: string, path: string): unknown {
  const facts = viewOf(stage).facts;
  if (!facts) throw new Error(`<Value stage="${stage}">: site/src/stages/${stage}.ts exports no facts`);
  const value = path.split('.').reduce<unknown>((o, k) => (o === undefined || o === null ? undefined : (o as Record<string, unknown>)[k]), facts());
  if (value === undefined) throw new Error(`<Value stage="${stage}" fact="${path}">: no such fact`);
  return value;
}
