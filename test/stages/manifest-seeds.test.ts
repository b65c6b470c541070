/**
 * Every stage's manifest records the seeds its runs actually used: for each
 * of the eight stages' quick artifacts, `manifest.seeds` is exactly the set of
 * seeds its data records (every "seed" field, at any depth), and not empty.
 * minimal-ratio derives its runs' seeds from `baseSeed` (its spec's `seeds`).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArtifact } from '../../pipeline/src/core/artifact.ts';
import { quickArtifacts, stageList } from '../helpers/helpers.ts';

/** Every value of a key named "seed" in `value`, at any depth. */
function seedsIn(value: unknown, out = new Set<number>()): Set<number> {
  if (Array.isArray(value)) for (const v of value) seedsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'seed' && typeof v === 'number') out.add(v);
      else seedsIn(v, out);
    }
  }
  return out;
}

describe('manifest.seeds', () => {
  it('is, for every stage, the seeds its runs used', async () => {
    const dir = await quickArtifacts();
    expect(stageList).toHaveLength(8);
    for (const spec of stageList) {
      const artifact = readArtifact(join(dir, spec.name, 'artifact.json'), spec.name, spec.schemaVersion, spec.dataSchema);
      const used = [...seedsIn(artifact.data)].sort((a, b) => a - b);
      expect(used.length, spec.name).toBeGreaterThan(0);
      expect(
        [...artifact.manifest.seeds].sort((a, b) => a - b),
        spec.name,
      ).toEqual(used);
    }
  }, 900_000);
});
