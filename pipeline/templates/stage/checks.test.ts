/**
 * The checks of __NAME__ on a fixture of its artifact (test/helpers/checks.ts):
 * one case per outcome. The fixture comes from a quick report:
 *   HW1_PROFILE=quick npx turbo run report && npx node test/fixtures/make-artifact-fixtures.ts __NAME__
 */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks } from '../../helpers/checks.ts';

type D = StageData<'__NAME__'>;
/** Every run's losses from its seed's index k and the epoch's i of n. */
function losses(d: D, f: (k: number, i: number, n: number) => number) {
  for (const [k, r] of d.runs.entries()) {
    r.diverged = null;
    r.losses = r.losses.map((_, i) => f(k, i, r.losses.length));
  }
}
function allDiverged(d: D) {
  for (const r of d.runs) r.diverged = { epoch: 1, value: 'NaN' };
}

describeChecks('__NAME__', {
  '__NAME__-loss-falls': [
    { outcome: 'yes', when: 'the loss falls over the run', edit: (d) => losses(d, (_, i, n) => 1 - i / n) },
    { outcome: 'no', when: 'it rises', edit: (d) => losses(d, (_, i, n) => 1 + i / n) },
    { outcome: 'unchecked', when: 'every run diverged', edit: allDiverged },
  ],
  '__NAME__-seeds-agree': [
    { outcome: 'agree', when: 'the seeds end within a factor of 2', edit: (d) => losses(d, (k) => 1 + k / d.runs.length) },
    { outcome: 'differ', when: 'they end a factor of 100 apart', edit: (d) => losses(d, (k) => (k === 0 ? 0.01 : 1)) },
    { outcome: 'unchecked', when: 'every run diverged', edit: allDiverged },
  ],
});
