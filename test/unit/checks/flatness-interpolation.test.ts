/** The checks of flatness-interpolation on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks } from '../../helpers/checks.ts';

type D = StageData<'flatness-interpolation'>;
type Point = D['curves'][number]['points'][number];
/** Sets the points of every curve at the α where `at` holds. */
function points(d: D, at: (alpha: number) => boolean, f: (p: Point) => void) {
  for (const c of d.curves) for (const p of c.points) if (at(p.alpha)) f(p);
}
/** Training accuracy at α = 0 and at α = 1. */
function ends(d: D, first: number, second: number) {
  points(
    d,
    (a) => a === 0 || a === 1,
    (p) => {
      p.train.accuracy = p.alpha === 0 ? first : second;
    },
  );
}
/** Training loss along the line, from α. */
function lossAlong(d: D, loss: (alpha: number) => number) {
  points(
    d,
    () => true,
    (p) => {
      p.train.loss = loss(p.alpha);
    },
  );
}

describeChecks('flatness-interpolation', {
  'interpolation-equal-fit': [
    { outcome: 'yes', when: 'both models fit 99% of the training set', edit: (d) => ends(d, 0.99, 0.99) },
    { outcome: 'no', when: 'the second fits 10 points less', edit: (d) => ends(d, 0.99, 0.89) },
  ],
  'interpolation-climbs-past-ends': [
    { outcome: 'yes', when: 'the training loss is lowest on the segment', edit: (d) => lossAlong(d, (a) => 0.1 + Math.max(0, -a, a - 1)) },
    { outcome: 'no', when: 'it keeps falling beyond α = 1', edit: (d) => lossAlong(d, (a) => 2 - a) },
  ],
});
