/** The checks of simulate-function on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks, fixture, values } from '../../helpers/checks.ts';

type D = StageData<'simulate-function'>;
const deepest = (d: D) => d.models.reduce((a, b) => (b.depth > a.depth ? b : a));
const shallowest = (d: D) => d.models.reduce((a, b) => (b.depth < a.depth ? b : a));
const fn = (d: D) => d.functions.find((f) => f.id === first)!;
/** The final losses of one model's seeds on the first function. */
function finalLosses(d: D, model: string, losses: number[]) {
  const runs = fn(d).results.find((r) => r.model === model)!.runs;
  for (const [i, run] of runs.entries()) {
    run.diverged = null;
    run.finalLoss = losses[i % losses.length]!;
  }
}
const first = fixture('simulate-function').functions[0]!.id;
const depthCase = (outcome: string, when: string, deep: number[], shallow: number[]) => ({
  outcome,
  when: `${when} (${first})`,
  args: { fn: first },
  edit: (d: D) => {
    finalLosses(d, deepest(d).name, deep);
    finalLosses(d, shallowest(d).name, shallow);
  },
});

describeChecks('simulate-function', {
  'fit-models-same-size': [
    { outcome: 'yes', when: 'the models are the quick report’s' },
    {
      outcome: 'no',
      when: 'the shallowest has half again as many parameters',
      edit: (d) => {
        shallowest(d).parameters = Math.round(shallowest(d).parameters * 1.5);
      },
    },
  ],
  'depth-on-function': [
    depthCase('deeper-fits-better', 'every deep seed ends below every shallow one', values(3, 1e-4, 1e-5), values(3, 1e-2, 1e-3)),
    depthCase('shallower-fits-better', 'every shallow seed ends below every deep one', values(3, 1e-2, 1e-3), values(3, 1e-4, 1e-5)),
    depthCase('seeds-overlap', 'the seeds’ ranges overlap', values(3, 1e-3, 2e-4), values(3, 1.1e-3, 2e-4)),
  ],
});
