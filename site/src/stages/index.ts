/**
 * The stages' views joined to their data: what the components call. Each
 * stage's view (./<stage>.ts, listed in ./registry.ts by `npm run sync`) is
 * a pure function of its artifact data; here a figure gets its stage's sides
 * (../lib/data/compare.ts), a fact or a check the head's data, and, in a
 * compare build, a check the base's data too.
 *
 * A page's mistake (a figure, fact, check or outcome that does not exist)
 * stops the build with the page's file and line (`source`, put on every
 * such element by ../lib/pages/mdx-source.ts) and what does exist.
 */
import type { StageData, StageName } from '@hw1/pipeline/stages';
import { type Check, type CheckArgs, type CheckResult, type ClaimStatus, outcomeOf } from '../lib/claims/check.ts';
import { dataOf } from '../lib/data/artifacts.ts';
import { baseDataOf, baseNotes, type Change, compareMode, figureChange, NoBase, sidesOf } from '../lib/data/compare.ts';
import type { FigureParts } from '../lib/figures/figure.ts';
import { views } from './registry.ts';
import type { FigureArgs, StageView } from './view.ts';

type Views = typeof views;
type ChecksOf<V> = V extends { checks?: infer C } ? (C extends object ? C : never) : never;
/** Every check's name, over all stages. */
export type CheckName = { [S in keyof Views]: keyof ChecksOf<Views[S]> & string }[keyof Views];
/** The outcomes a check declares. */
export type OutcomeOf<K extends CheckName> = {
  [S in keyof Views]: K extends keyof ChecksOf<Views[S]> ? (ChecksOf<Views[S]>[K] extends Check<never, infer O> ? O : never) : never;
}[keyof Views];
/** The yes/no checks, which <Claim> states. */
export type ClaimName = { [K in CheckName]: OutcomeOf<K> extends 'yes' | 'no' ? K : never }[CheckName];
/** <Finding>'s props: a check, one of its outcomes (or "unchecked") and the check's arguments. */
export type FindingProps = {
  [K in CheckName]: { check: K; when: OutcomeOf<K> | 'unchecked'; source?: string; [arg: string]: string | undefined };
}[CheckName];

type AnyView = StageView<unknown>;
const viewList = Object.values(views) as unknown as AnyView[];
/** " (content/report/x.mdx:12)" after a page's mistake, when the page's line is known. */
const at = (source: string | undefined) => (source ? ` (${source})` : '');

function viewOf(stage: string, source?: string): AnyView {
  const view = (views as unknown as Record<string, AnyView>)[stage];
  if (!view) throw new Error(`no stage "${stage}"${at(source)}: the stages are ${Object.keys(views).join(', ')}`);
  return view;
}

// ---- checks ----

const checks = new Map<string, { stage: StageName; check: Check<unknown> }>();
for (const view of viewList)
  for (const [name, check] of Object.entries(view.checks ?? {})) {
    const other = checks.get(name);
    if (other) throw new Error(`check "${name}" is declared twice: in site/src/stages/${other.stage}.ts and in site/src/stages/${view.stage}.ts`);
    checks.set(name, { stage: view.stage, check });
  }

function checkNamed(name: string, source?: string): { stage: StageName; check: Check<unknown> } {
  const entry = checks.get(name);
  if (!entry)
    throw new Error(`check "${name}"${at(source)}: no such check; each stage's checks are in site/src/stages/<stage>.ts (${[...checks.keys()].join(', ')})`);
  return entry;
}

/** The stage whose data a check reads. */
export const stageOfCheck = (name: string): StageName => checkNamed(name).stage;

/** The outcomes a page may name for a check, "unchecked" besides. */
export const outcomesOf = (name: string, source?: string): readonly string[] => checkNamed(name, source).check.outcomes;

/** Stops the build when a page names a check, or an outcome of it, that does not exist: with the page's line, the check's stage module and its outcomes. */
export function checkUse(name: string, when: string | undefined, source?: string): void {
  const { stage, check } = checkNamed(name, source);
  if (when === undefined) {
    if (check.kind === 'finding')
      throw new Error(
        `<Claim check="${name}">${at(source)}: "${name}" is a finding (site/src/stages/${stage}.ts); write a <Finding when="…"> for each of ${check.outcomes.join(', ')}`,
      );
    return;
  }
  if (when !== 'unchecked' && !check.outcomes.includes(when))
    throw new Error(
      `<Finding check="${name}" when="${when}">${at(source)}: no such outcome; "${name}" (site/src/stages/${stage}.ts) has ${[...check.outcomes, 'unchecked'].join(', ')}`,
    );
}

/** A check's verdict on one stage's data (the head's unless given), its outcome held to the ones it declares. */
export function runCheck(name: string, args: CheckArgs = {}, data?: unknown): CheckResult {
  const { stage, check } = checkNamed(name);
  const result = check.run(data ?? dataOf(stage), args);
  // The types hold a finding to its outcomes; this holds a yes/no check, and anything cast past the types.
  const outcome = outcomeOf(result);
  if (outcome !== null && !check.outcomes.includes(outcome))
    throw new Error(`claim check "${name}" answered "${outcome}", which site/src/stages/${stage}.ts does not declare (${check.outcomes.join(', ')})`);
  return result;
}

/** A check's verdict on the base's artifacts, in a compare build (null in a normal one): "absent" when the base has no data for it. */
export function baseResult(name: string, args: CheckArgs = {}): { status: ClaimStatus | 'absent'; outcome: string | null; evidence: string } | null {
  if (!compareMode()) return null;
  const { stage } = checkNamed(name);
  let data: unknown;
  try {
    data = baseDataOf(stage);
  } catch (err) {
    if (err instanceof NoBase) return { status: 'absent', outcome: null, evidence: err.message };
    throw err;
  }
  const r = runCheck(name, args, data);
  return { status: r.status, outcome: outcomeOf(r), evidence: r.evidence };
}

// ---- figures and facts ----

function figureNamed(stage: string, figure: string, source?: string) {
  const view = viewOf(stage, source);
  const draw = view.figures?.[figure];
  if (!draw)
    throw new Error(
      `<StageFigure stage="${stage}" figure="${figure}">${at(source)}: site/src/stages/${stage}.ts has no such figure (it has ${Object.keys(view.figures ?? {}).join(', ') || 'none'})`,
    );
  return draw;
}

/** The parts of a stage's named figure, drawn from its sides, with a note when a compare build has no base for it. */
export function figureOf(stage: string, figure: string, args: FigureArgs, source?: string): FigureParts {
  const parts = figureNamed(stage, figure, source)(sidesOf(stage as StageName), args);
  return { ...parts, notes: [...parts.notes, ...baseNotes(stage as StageName)] };
}

/** Compare build: whether a normal build of the base would draw the figure differently from the head's. */
export function figureChangeOf(stage: string, figure: string, args: FigureArgs): { change: Change; why: string } {
  const draw = figureNamed(stage, figure);
  return figureChange(stage as StageName, (sides) => draw(sides, args));
}

/** A fact of a stage's data (the head's unless given) by its dotted path, e.g. "largest.testAccuracy". */
export function factOf<N extends StageName>(stage: N | string, path: string, source?: string, data?: StageData<N>): unknown {
  const facts = viewOf(stage, source).facts;
  if (!facts) throw new Error(`<Value stage="${stage}">${at(source)}: site/src/stages/${stage}.ts has no facts`);
  const value = path
    .split('.')
    .reduce<unknown>((o, k) => (o === undefined || o === null ? undefined : (o as Record<string, unknown>)[k]), facts(data ?? dataOf(stage as StageName)));
  if (value === undefined) throw new Error(`<Value stage="${stage}" fact="${path}">${at(source)}: no such fact in site/src/stages/${stage}.ts`);
  return value;
}
