/**
 * Every stage names its headline metrics (core/metrics.ts headline), the
 * columns `npm run history` shows: a few per stage, each a metric of its
 * artifact, checked on the checks' fixtures.
 */
import { describe, expect, it } from 'vitest';
import { loadMetrics } from '../../pipeline/src/compare/metrics.ts';
import { type StageName, stageList } from '../../pipeline/src/stages/index.ts';
import { fixture } from '../helpers/checks.ts';

describe('headline metrics', () => {
  it.each(stageList.map((s) => s.name as StageName))('%s has between one and six, each with a value on a quick artifact', async (stage) => {
    const module = await loadMetrics(stage);
    expect(module, `${stage} has no metrics.ts`).not.toBeNull();
    const headline = module!.metrics(fixture(stage) as never).filter((m) => m.headline);
    expect(headline.length).toBeGreaterThanOrEqual(1);
    expect(headline.length).toBeLessThanOrEqual(6);
    for (const m of headline) expect(m.value, m.name).not.toBeNull();
  });
});
