/** The checks of minimal-ratio on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks } from '../../helpers/checks.ts';

type D = StageData<'minimal-ratio'>;
const finished = (d: D) => d.runs.filter((r) => r.diverged === null);
/** Every finished run with (saddle) or without (minimum) an eigenvalue below −tolerance. */
function kinds(d: D, saddle: (i: number) => boolean) {
  const tol = d.setup.eigenvalueTolerance;
  for (const [i, r] of finished(d).entries()) {
    r.eigenvalues = r.eigenvalues!.map((e) => Math.max(e, -tol / 2));
    if (saddle(i)) r.eigenvalues[0] = -10 * tol;
  }
}
/** Minimal ratio rising over the runs, and loss falling (sign −1) or rising (+1) with it, or flat (0). */
function trend(d: D, sign: number) {
  const runs = finished(d);
  for (const [i, r] of runs.entries()) {
    r.minimalRatio = (i + 1) / (runs.length + 1);
    r.loss = 1e-3 * (1 + sign * (i / runs.length));
  }
}

describeChecks('minimal-ratio', {
  'minimal-ratio-definition': [
    { outcome: 'yes', when: 'the runs are the quick report’s' },
    {
      outcome: 'no',
      when: 'one run’s ratio is off by 0.1',
      edit: (d) => {
        const r = finished(d)[0]!;
        r.minimalRatio = r.minimalRatio! + 0.1;
      },
    },
  ],
  'critical-point-kind': [
    { outcome: 'mostly-saddles', when: 'every point has a negative eigenvalue', edit: (d) => kinds(d, () => true) },
    { outcome: 'mostly-minima', when: 'no point has one', edit: (d) => kinds(d, () => false) },
    {
      outcome: 'even',
      when: 'half the points have one',
      edit: (d) => {
        d.runs = finished(d).slice(0, 2 * Math.floor(finished(d).length / 2));
        kinds(d, (i) => i % 2 === 0);
      },
    },
  ],
  'ratio-vs-loss': [
    { outcome: 'higher-ratio-lower-loss', when: 'the loss falls as the ratio rises', edit: (d) => trend(d, -1) },
    { outcome: 'higher-ratio-higher-loss', when: 'the loss rises with the ratio', edit: (d) => trend(d, 1) },
    { outcome: 'no-relation', when: 'the loss is the same at every point', edit: (d) => trend(d, 0) },
  ],
});
