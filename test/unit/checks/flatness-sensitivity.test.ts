/** The checks of flatness-sensitivity on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks, values } from '../../helpers/checks.ts';

type D = StageData<'flatness-sensitivity'>;
type Run = D['models'][number]['runs'][number];
/** Sets one measure of every seed of the smallest batch and of the largest, from the seed's index. */
function ends(d: D, set: (r: Run, v: number) => void, small: number[], large: number[]) {
  for (const [k, r] of d.models[0]!.runs.entries()) set(r, small[k % small.length]!);
  for (const [k, r] of d.models.at(-1)!.runs.entries()) set(r, large[k % large.length]!);
}
const sharpness = (r: Run, v: number) => {
  r.sharpness!.value = v;
};
const testAccuracy = (r: Run, v: number) => {
  r.test!.accuracy = v;
};
const testLoss = (r: Run, v: number) => {
  r.test!.loss = v;
};
/** Every run's final training accuracy. */
function trainAccuracy(d: D, v: (m: number, k: number) => number) {
  for (const [m, model] of d.models.entries()) for (const [k, r] of model.runs.entries()) r.train!.accuracy = v(m, k);
}
/** Every finished run, in order, with its sensitivity and generalization gap from its index. */
function acrossRuns(d: D, sensitivity: (i: number) => number, gap: (i: number) => number) {
  const runs = d.models.flatMap((m) => m.runs.filter((r) => !r.diverged));
  for (const [i, r] of runs.entries()) {
    r.sensitivity = sensitivity(i);
    r.train!.accuracy = 1;
    r.test!.accuracy = 1 - gap(i);
  }
}

describeChecks('flatness-sensitivity', {
  'sensitivity-equal-fit': [
    { outcome: 'yes', when: 'every run ends at 99% training accuracy', edit: (d) => trainAccuracy(d, () => 0.99) },
    { outcome: 'no', when: 'one run ends at 80%', edit: (d) => trainAccuracy(d, (m, k) => (m === 0 && k === 0 ? 0.8 : 0.99)) },
  ],
  'batch-sharpness': [
    { outcome: 'larger-sharper', when: 'every large-batch seed is sharper', edit: (d) => ends(d, sharpness, values(3, 1, 0.1), values(3, 10, 1)) },
    { outcome: 'larger-flatter', when: 'every large-batch seed is flatter', edit: (d) => ends(d, sharpness, values(3, 10, 1), values(3, 1, 0.1)) },
    { outcome: 'seeds-overlap', when: 'the seeds overlap', edit: (d) => ends(d, sharpness, values(3, 1, 1), values(3, 1.5, 1)) },
  ],
  'batch-generalization': [
    {
      outcome: 'larger-worse',
      when: 'the large batch tests lower (accuracy)',
      args: { metric: 'accuracy' },
      edit: (d) => ends(d, testAccuracy, values(3, 0.95, 0.001), values(3, 0.9, 0.001)),
    },
    {
      outcome: 'larger-better',
      when: 'the large batch tests higher (accuracy)',
      args: { metric: 'accuracy' },
      edit: (d) => ends(d, testAccuracy, values(3, 0.9, 0.001), values(3, 0.95, 0.001)),
    },
    {
      outcome: 'larger-better',
      when: 'the large batch has the lower test loss (loss)',
      args: { metric: 'loss' },
      edit: (d) => ends(d, testLoss, values(3, 0.5, 0.01), values(3, 0.2, 0.01)),
    },
    {
      outcome: 'seeds-overlap',
      when: 'the seeds overlap (accuracy)',
      args: { metric: 'accuracy' },
      edit: (d) => ends(d, testAccuracy, values(3, 0.9, 0.02), values(3, 0.91, 0.02)),
    },
  ],
  'sensitivity-vs-gap': [
    {
      outcome: 'more-sensitive-larger-gap',
      when: 'the gap grows with sensitivity',
      edit: (d) =>
        acrossRuns(
          d,
          (i) => i,
          (i) => 0.01 * i,
        ),
    },
    {
      outcome: 'more-sensitive-smaller-gap',
      when: 'the gap shrinks as sensitivity grows',
      edit: (d) =>
        acrossRuns(
          d,
          (i) => i,
          (i) => 0.5 - 0.01 * i,
        ),
    },
    {
      outcome: 'no-relation',
      when: 'every run is as sensitive',
      edit: (d) =>
        acrossRuns(
          d,
          () => 1,
          (i) => 0.01 * i,
        ),
    },
  ],
});
