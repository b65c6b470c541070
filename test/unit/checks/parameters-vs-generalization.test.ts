/** The checks of parameters-vs-generalization on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks, values } from '../../helpers/checks.ts';

type D = StageData<'parameters-vs-generalization'>;
/** Each width's test losses over seeds, from `losses(i, n)` for model i of n. */
function testLosses(d: D, losses: (i: number, n: number) => number[]) {
  for (const [i, m] of d.models.entries())
    for (const [k, r] of m.runs.entries()) {
      r.diverged = null;
      r.test!.loss = losses(i, d.models.length)[k % 3]!;
    }
}
const middle = (n: number) => Math.floor(n / 2);

describeChecks('parameters-vs-generalization', {
  'width-test-loss': [
    { outcome: 'lowest-at-widest', when: 'the test loss falls with every width', edit: (d) => testLosses(d, (i) => values(3, 2 - 0.1 * i, 0.01)) },
    {
      outcome: 'levels-off',
      when: 'a middle width is lowest and the widest’s seeds overlap it',
      edit: (d) => testLosses(d, (i, n) => (i === middle(n) ? values(3, 1, 0.2) : i === n - 1 ? values(3, 1.1, 0.2) : values(3, 3, 0.1))),
    },
    {
      outcome: 'rises-again',
      when: 'every seed of the widest is above every seed of the best',
      edit: (d) => testLosses(d, (i, n) => (i === middle(n) ? values(3, 1, 0.1) : values(3, 2, 0.1))),
    },
  ],
});
