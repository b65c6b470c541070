/**
 * A comparison as `npm run diff` writes it, of two artifact directories
 * (no git, no training): each side a scratch checkout whose cache/artifacts
 * is the given directory. For compare-mode builds of the site.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Comparison } from '../../pipeline/src/compare/comparison.ts';
import { compare, type SideResult, stagesOf } from '../../pipeline/src/compare/diff.ts';
import { root, tempDir } from './helpers.ts';

function side(name: 'base' | 'head', artifacts: string, label: string): SideResult {
  const dir = tempDir();
  mkdirSync(join(dir, 'cache'));
  symlinkSync(artifacts, join(dir, 'cache', 'artifacts'));
  return { side: name, rev: name === 'base' ? 'main' : null, commit: '0'.repeat(40), label: `${name} ${label}`, dir, stages: stagesOf(root), tasks: new Map() };
}

/** The quick comparison of `base` with `head` (artifact directories), and the file it is written to (HW1_COMPARE). */
export async function comparisonOf(base: string, head: string, label = 'rehearsal'): Promise<{ file: string; comparison: Comparison }> {
  const comparison = await compare(side('base', base, label), side('head', head, label), 'quick');
  const file = join(tempDir(), 'comparison.json');
  writeFileSync(file, JSON.stringify(comparison));
  return { file, comparison };
}
