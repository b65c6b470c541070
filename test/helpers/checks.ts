/**
 * The checks of a stage, tested on a small fixture of its artifact
 * (test/fixtures/artifacts/<stage>.json, from a quick report): each case
 * edits a copy of the fixture so that the data choose one outcome, and the
 * check must answer it. A stage's cases must cover every outcome each of its
 * checks declares; a check without cases fails the stage's file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StageData, type StageName, specs } from '@hw1/pipeline/stages';
import { describe, expect, it } from 'vitest';
import { type CheckArgs, outcomeOf } from '../../site/src/lib/claims/check.ts';
import { runCheck } from '../../site/src/stages/index.ts';
import { views } from '../../site/src/stages/registry.ts';
import type { StageView } from '../../site/src/stages/view.ts';
import { root } from './helpers.ts';

export interface CheckCase<D> {
  /** The answer the edited data must give: an outcome the check declares ("yes"/"no" for a claim), or "unchecked". */
  outcome: string;
  /** What the edit makes true, for the test's name. */
  when: string;
  args?: CheckArgs;
  edit?: (d: D) => void;
}

/** A stage's fixture: its artifact's data, validated against the stage's schema. */
export function fixture<N extends StageName>(stage: N): StageData<N> {
  const file = join(root, 'test/fixtures/artifacts', `${stage}.json`);
  if (!existsSync(file))
    throw new Error(
      `no fixture test/fixtures/artifacts/${stage}.json: run HW1_PROFILE=quick npx turbo run report, then npx node test/fixtures/make-artifact-fixtures.ts ${stage}`,
    );
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  return specs[stage].dataSchema.parse(raw) as StageData<N>;
}

export function describeChecks<N extends StageName>(stage: N, cases: Record<string, readonly CheckCase<StageData<N>>[]>): void {
  const view = views[stage as keyof typeof views] as unknown as StageView<StageData<N>>;
  const declared = Object.entries(view.checks ?? {});
  describe(`${stage}: checks on a fixture of its artifact`, () => {
    it('the fixture passes the stage’s data schema', () => {
      expect(() => fixture(stage)).not.toThrow();
    });

    it('every check has a case for every outcome it declares, and no case names a check it lacks', () => {
      for (const [name, check] of declared) {
        const answered = (cases[name] ?? []).map((c) => c.outcome);
        expect(
          check.outcomes.filter((o) => !answered.includes(o)),
          `${name}: outcomes without a case`,
        ).toEqual([]);
      }
      expect(Object.keys(cases).filter((name) => !declared.some(([n]) => n === name))).toEqual([]);
    });

    for (const [name, list] of Object.entries(cases))
      for (const c of list)
        it(`${name}: ${c.outcome} when ${c.when}`, () => {
          const d = structuredClone(fixture(stage));
          c.edit?.(d);
          const result = runCheck(name, c.args ?? {}, d);
          expect(outcomeOf(result) ?? 'unchecked', result.evidence).toBe(c.outcome);
          expect(result.evidence.length).toBeGreaterThan(0);
        });
  });
}

/** n values from `from`, `step` apart (seeds' values of one model). */
export const values = (n: number, from: number, step: number): number[] => Array.from({ length: n }, (_, i) => from + i * step);
