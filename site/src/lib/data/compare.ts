/**
 * Compare mode: the report as `npm run diff` builds it, with base and head in
 * every figure. HW1_COMPARE names the comparison JSON the diff wrote
 * (pipeline/src/compare/comparison.ts); it holds the labels, where the base's
 * artifacts are, and what the "What changed" page lists. Without it the
 * build is a normal one and nothing here changes any output.
 *
 * How a stage's figure draws both sides (the same four steps everywhere):
 * 1. A figure is given the sides instead of the data (../../stages/index.ts
 *    passes `sidesOf(name)`): `[{ side: 'head', label: '', data }]` in a
 *    normal build and `[base, head]` in compare mode, base first so it is
 *    drawn underneath. The head's data is the usual checked artifact; the
 *    base's is read as it is (it comes from another commit).
 * 2. Build each side's rows from its own data and pass each mark's options
 *    through `sideMarks(side)` from ../figures/plot.ts: `const st = sideMarks(s);
 *    Plot.lineY(rows, st.line({ ... }))`. The head's options come back
 *    untouched (so a normal build renders byte for byte as before); the base
 *    is dashed and faded, and its aria-description ends in "(base)".
 * 3. Put `sidesLegend(sides)` from ../figures/plot.ts in front of the SVG (it is empty
 *    with one side).
 * 4. Where overlaying makes no sense (a heatmap surface, two sides' own PCA
 *    planes), render each side alone and join them with `sideBySide(...)`.
 * The registry adds `baseNotes(name)` to every figure's notes: why a base is
 * missing (a new stage, or an artifact of another shape).
 *
 * Nothing here is a global "current side": a figure, a fact or a check is a
 * function of the data it is given, and a compare build calls it once with
 * the base's data and once with the head's.
 */
import { readFileSync } from 'node:fs';
import { type Comparison, comparisonSchema } from '@hw1/pipeline/comparison';
import { ArtifactError, artifactPath, readArtifact, type StageData, type StageName, specs } from '@hw1/pipeline/stages';
import { artifact } from './artifacts.ts';
import { oneSide, type Side } from './sides.ts';

let loaded: Comparison | null | undefined;

/** The comparison of a compare build, or null in a normal build. */
export function comparison(): Comparison | null {
  if (loaded === undefined) {
    const file = process.env.HW1_COMPARE;
    loaded = file ? comparisonSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : null;
  }
  return loaded;
}

export const compareMode = (): boolean => comparison() !== null;

const bases = new Map<string, { data: unknown } | { note: string }>();

function baseOf<N extends StageName>(name: N, c: Comparison): { data: StageData<N> } | { note: string } {
  if (!bases.has(name)) {
    const spec = specs[name];
    const stage = c.stages.find((s) => s.name === name);
    let entry: { data: unknown } | { note: string };
    if (stage && stage.base.status === 'absent') entry = { note: `The base (${c.base.label}) has no stage ${name}: only the head is drawn.` };
    else {
      try {
        // The base may come from a revision whose artifacts carry no result hash yet; one that does is checked.
        entry = { data: readArtifact(artifactPath(name, c.base.artifacts), name, spec.schemaVersion, spec.dataSchema, { allowUnhashed: true }).data };
      } catch (err) {
        if (!(err instanceof ArtifactError)) throw err;
        entry = { note: `The base's ${name} artifact does not match the head's schema, so only the head is drawn (${err.message.split(';')[0]}).` };
      }
    }
    bases.set(name, entry);
  }
  return bases.get(name) as { data: StageData<N> } | { note: string };
}

/** The sides to draw: the head alone in a normal build; base then head in compare mode (base only if it could be read). */
export function sidesOf<N extends StageName>(name: N): Side<StageData<N>>[] {
  const head = artifact(name).data;
  const c = comparison();
  if (!c) return oneSide(head);
  const base = baseOf(name, c);
  const headSide: Side<StageData<N>> = { side: 'head', label: c.head.label, data: head };
  return 'data' in base ? [{ side: 'base', label: c.base.label, data: base.data }, headSide] : [headSide];
}

/** For a figure's notes: why the base of a stage is not drawn in compare mode (none in a normal build). */
export function baseNotes(name: StageName): string[] {
  const c = comparison();
  if (!c) return [];
  const base = baseOf(name, c);
  return 'note' in base ? [base.note] : [];
}

/** Thrown for the base's data when the base has no readable artifact of a stage. */
export class NoBase extends Error {}

/** The base's data of a stage, in a compare build; NoBase when it has none that can be read. */
export function baseDataOf<N extends StageName>(name: N): StageData<N> {
  const c = comparison();
  if (!c) throw new Error('baseDataOf: only a compare build has a base');
  const base = baseOf(name, c);
  if ('note' in base) throw new NoBase(base.note);
  return base.data;
}

/** How a figure or a claim compares between the sides: a figure drawn differently, or a verdict or chosen sentence that differs. */
export type Change = 'changed' | 'unchanged' | 'new';

/** Whether a stage's figure would be drawn differently by a normal build of the base and of the head (its SVG or its caption). */
export function figureChange<N extends StageName>(
  name: N,
  draw: (sides: Side<StageData<N>>[]) => { svg: string; caption: string },
): { change: Change; why: string } {
  const head = draw(oneSide(artifact(name).data));
  let base: { svg: string; caption: string };
  try {
    base = draw(oneSide(baseDataOf(name)));
  } catch (err) {
    if (err instanceof NoBase) return { change: 'new', why: err.message };
    throw err;
  }
  // Plot numbers the clip paths it makes in the order it draws them, so the same figure drawn twice differs there only.
  const drawing = (svg: string) => svg.replace(/plot-clip-\d+/g, 'plot-clip');
  const sameDrawing = drawing(base.svg) === drawing(head.svg);
  if (sameDrawing && base.caption === head.caption) return { change: 'unchanged', why: 'drawn exactly as in the base' };
  return { change: 'changed', why: sameDrawing ? 'the caption differs from the base' : 'drawn differently from the base' };
}
