/**
 * The sides a figure draws: the head alone in a normal build, base and head
 * in a compare build (./compare.ts reads them). Plain values, no I/O: a
 * stage's view takes them as arguments.
 */

export type SideName = 'base' | 'head';

export interface Side<D> {
  side: SideName;
  /** "base main (1a2b3c4)"; empty in a normal build. */
  label: string;
  data: D;
}

/** One artifact's data as the sides of a normal build. */
export const oneSide = <D>(data: D): Side<D>[] => [{ side: 'head', label: '', data }];

/** Accepts plain data (a test) or sides, and gives sides. */
export function asSides<D>(input: D | readonly Side<D>[]): Side<D>[] {
  return Array.isArray(input) ? [...(input as readonly Side<D>[])] : oneSide(input as D);
}

/** The head side's data (the one the prose and tables describe). */
export const headOf = <D>(sides: readonly Side<D>[]): D => sides.find((s) => s.side === 'head')!.data;

/** Names (models, series…) over every side: the head's in its order, then any only the base has. */
export function headFirst<D>(all: readonly Side<D>[], names: (d: D) => readonly string[]): string[] {
  const head = all.find((s) => s.side === 'head');
  const out = head ? [...names(head.data)] : [];
  for (const s of all) for (const n of names(s.data)) if (!out.includes(n)) out.push(n);
  return out;
}
