/** The checks of optimization-process on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks } from '../../helpers/checks.ts';

type D = StageData<'optimization-process'>;
/** The error surface replaced by a bowl a·α² + b·β² (+1), lowest at the solution; b/a is how much steeper direction 2 is. */
function bowl(d: D, a: number, b: number) {
  const s = d.surface!;
  s.loss = s.beta.map((beta) => s.alpha.map((alpha) => 1 + a * alpha ** 2 + b * beta ** 2));
}
const noRun = (d: D) => {
  for (const r of d.runs) r.diverged = { value: 'NaN', epoch: 1, iteration: 1 } as D['runs'][number]['diverged'];
  d.pca = { model: null, layer: null } as unknown as D['pca'];
  d.surface = null as unknown as D['surface'];
};

describeChecks('optimization-process', {
  'pca-partial-variance': [
    { outcome: 'yes', when: 'the runs are the quick report’s' },
    {
      outcome: 'no',
      when: 'two components explain all the variance',
      edit: (d) => {
        d.pca.model = [0.9995, 0.0005];
      },
    },
    { outcome: 'unchecked', when: 'every run diverged (no PCA)', edit: noRun },
  ],
  'loss-falls-faster-than-gradient-norm': [
    {
      outcome: 'yes',
      when: 'the loss falls 100-fold and the gradient norm 10-fold',
      edit: (d) => {
        for (const r of d.runs) {
          const n = r.iterations.loss.length;
          r.iterations.loss = r.iterations.loss.map((_, i) => 100 ** (1 - i / (n - 1)));
          r.iterations.gradientNorm = r.iterations.gradientNorm.map((_, i) => 10 ** (1 - i / (n - 1)));
        }
      },
    },
    {
      outcome: 'no',
      when: 'the gradient norm falls faster than the loss',
      edit: (d) => {
        for (const r of d.runs) {
          const n = r.iterations.loss.length;
          r.iterations.loss = r.iterations.loss.map((_, i) => 10 ** (1 - i / (n - 1)));
          r.iterations.gradientNorm = r.iterations.gradientNorm.map((_, i) => 100 ** (1 - i / (n - 1)));
        }
      },
    },
    { outcome: 'unchecked', when: 'every run diverged', edit: noRun },
  ],
  'surface-lowest-at-solution': [
    { outcome: 'yes', when: 'the surface is a bowl around the solution', edit: (d) => bowl(d, 1, 1) },
    {
      outcome: 'no',
      when: 'a corner of the grid is lowest',
      edit: (d) => {
        bowl(d, 1, 1);
        d.surface!.loss[0]![0] = 0;
      },
    },
    { outcome: 'unchecked', when: 'every run diverged (no surface)', edit: noRun },
  ],
  'surface-shape': [
    { outcome: 'valley-along-1', when: 'the loss rises 4 times as fast along direction 2', edit: (d) => bowl(d, 1, 4) },
    { outcome: 'valley-along-2', when: 'the loss rises 4 times as fast along direction 1', edit: (d) => bowl(d, 4, 1) },
    { outcome: 'round', when: 'the loss rises alike in both directions', edit: (d) => bowl(d, 1, 1.2) },
    { outcome: 'unchecked', when: 'every run diverged (no surface)', edit: noRun },
  ],
});
