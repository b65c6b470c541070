/** The checks of random-labels on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks } from '../../helpers/checks.ts';

type D = StageData<'random-labels'>;
type Epoch = D['runs'][number]['epochs'][number];
type Labels = 'random' | 'true';
const runsOf = (d: D, labels: Labels) => d.runs.filter((r) => r.labels === labels && !r.diverged);
/** Sets every epoch of every run on these labels, from the epoch's index i of n. */
function every(d: D, labels: Labels, f: (e: Epoch, i: number, n: number) => void) {
  for (const r of runsOf(d, labels)) for (const [i, e] of r.epochs.entries()) f(e, i, r.epochs.length);
}
/** Sets the last epoch of every run on these labels. */
function last(d: D, labels: Labels, f: (e: Epoch) => void) {
  for (const r of runsOf(d, labels)) f(r.epochs.at(-1)!);
}
/** Training accuracy reaching 100% from the epoch of index `from` on (never, at Infinity). */
function reach(d: D, labels: Labels, from: number) {
  every(d, labels, (e, i) => {
    e.train.accuracy = i >= from ? 1 : 0.5;
  });
}

describeChecks('random-labels', {
  'random-labels-memorised': [
    {
      outcome: 'yes',
      when: 'the shuffled labels end at 99% training accuracy',
      edit: (d) =>
        last(d, 'random', (e) => {
          e.train.accuracy = 0.99;
        }),
    },
    {
      outcome: 'no',
      when: 'they end at 50%',
      edit: (d) =>
        last(d, 'random', (e) => {
          e.train.accuracy = 0.5;
        }),
    },
  ],
  'random-labels-test-at-chance': [
    {
      outcome: 'yes',
      when: 'the shuffled labels’ test accuracy is 10%',
      edit: (d) =>
        last(d, 'random', (e) => {
          e.test.accuracy = 0.1;
        }),
    },
    {
      outcome: 'no',
      when: 'it is 50%',
      edit: (d) =>
        last(d, 'random', (e) => {
          e.test.accuracy = 0.5;
        }),
    },
  ],
  'random-labels-test-loss-grows': [
    {
      outcome: 'yes',
      when: 'the test loss ends at twice its start',
      edit: (d) =>
        every(d, 'random', (e, i, n) => {
          e.test.loss = i === n - 1 ? 4 : 2;
        }),
    },
    {
      outcome: 'no',
      when: 'it ends at half',
      edit: (d) =>
        every(d, 'random', (e, i, n) => {
          e.test.loss = i === n - 1 ? 1 : 2;
        }),
    },
  ],
  'true-labels-generalize': [
    {
      outcome: 'yes',
      when: 'true labels test at 90%, shuffled at 10%',
      edit: (d) => {
        last(d, 'true', (e) => {
          e.test.accuracy = 0.9;
        });
        last(d, 'random', (e) => {
          e.test.accuracy = 0.1;
        });
      },
    },
    {
      outcome: 'no',
      when: 'true labels test at 20%',
      edit: (d) => {
        last(d, 'true', (e) => {
          e.test.accuracy = 0.2;
        });
        last(d, 'random', (e) => {
          e.test.accuracy = 0.1;
        });
      },
    },
  ],
  'fits-either-labels': [
    {
      outcome: 'yes',
      when: 'both sets of labels reach 99% training accuracy',
      edit: (d) => {
        reach(d, 'random', 5);
        reach(d, 'true', 2);
      },
    },
    { outcome: 'no', when: 'the shuffled labels never do', edit: (d) => reach(d, 'random', Infinity) },
    { outcome: 'no', when: 'the true labels never do', edit: (d) => reach(d, 'true', Infinity) },
    {
      outcome: 'unchecked',
      when: 'the true labels were not trained',
      edit: (d) => {
        d.runs = d.runs.filter((r) => r.labels === 'random');
      },
    },
  ],
  'random-labels-slower': [
    {
      outcome: 'slower',
      when: 'shuffled labels reach 99% at epoch 5, true ones at 2',
      edit: (d) => {
        reach(d, 'random', 5);
        reach(d, 'true', 2);
      },
    },
    {
      outcome: 'not-slower',
      when: 'both reach it at epoch 2',
      edit: (d) => {
        reach(d, 'random', 2);
        reach(d, 'true', 2);
      },
    },
    { outcome: 'not-memorised', when: 'shuffled labels never reach it', edit: (d) => reach(d, 'random', Number.POSITIVE_INFINITY) },
    {
      outcome: 'unchecked',
      when: 'true labels never reach it',
      edit: (d) => {
        reach(d, 'random', 2);
        reach(d, 'true', Number.POSITIVE_INFINITY);
      },
    },
  ],
});
