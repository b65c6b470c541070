/**
 * Rendering as one side: in a compare build, the "What changed" page needs
 * each figure and each claim as a normal build of the base, and of the head,
 * would show them, to tell which changed. `asSide(read, fn)` runs `fn` with
 * every stage's data read through `read` (dataOf in ./artifacts.ts, sidesOf in
 * ./compare.ts consult `sideReader()`), so the checks and figures, which read
 * their data by stage name, need no parameter for it. Synchronous only: the
 * reader is set for the duration of `fn` and restored after, even on a throw.
 */
import type { StageData, StageName } from '@hw1/pipeline/stages';

export type SideReader = <N extends StageName>(name: N) => StageData<N>;

let reader: SideReader | null = null;

/** The reader in force, or null in the ordinary (head, or both sides) rendering. */
export const sideReader = (): SideReader | null => reader;

export function asSide<T>(read: SideReader, fn: () => T): T {
  const previous = reader;
  reader = read;
  try {
    return fn();
  } finally {
    reader = previous;
  }
}
