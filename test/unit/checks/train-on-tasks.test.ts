/** The checks of train-on-tasks on a fixture of its artifact (test/helpers/checks.ts). */
import type { StageData } from '@hw1/pipeline/stages';
import { describeChecks, fixture, values } from '../../helpers/checks.ts';

type D = StageData<'train-on-tasks'>;
type Task = D['tasks'][number];
const taskOf = (d: D, id: string) => d.tasks.find((t) => t.id === id)!;
const deepest = (t: Task) => t.models.reduce((a, b) => (b.depth > a.depth ? b : a));
const shallowest = (t: Task) => t.models.reduce((a, b) => (b.depth < a.depth ? b : a));
/** The test accuracies of one model's seeds. */
function testAccuracies(m: Task['models'][number], accuracies: number[]) {
  for (const [i, r] of m.runs.entries()) {
    r.diverged = null;
    r.test!.accuracy = accuracies[i % accuracies.length]!;
  }
}
/** Every model of a task at about the same test accuracy. */
function taskAt(t: Task, accuracy: number) {
  for (const m of t.models) testAccuracies(m, values(3, accuracy, 0.001));
}
function notInstalled(t: Task) {
  t.missing = { message: 'not installed (a test)' };
}
/** Task `a` at one accuracy, task `b` at another. */
function tasksAt(d: D, a: string, accA: number, b: string, accB: number) {
  taskAt(taskOf(d, a), accA);
  taskAt(taskOf(d, b), accB);
}

// Two tasks the fixture computed.
const [a, b] = fixture('train-on-tasks')
  .tasks.filter((t) => !t.missing)
  .map((t) => t.id);
if (!a || !b) throw new Error('the train-on-tasks fixture needs two computed tasks');

const depthCase = (outcome: string, when: string, deep: number[], shallow: number[]) => ({
  outcome,
  when: `${when} (${a})`,
  args: { task: a },
  edit: (d: D) => {
    testAccuracies(deepest(taskOf(d, a)), deep);
    testAccuracies(shallowest(taskOf(d, a)), shallow);
  },
});

describeChecks('train-on-tasks', {
  'cnn-models-same-size': [
    { outcome: 'yes', when: 'the CNNs are the quick report’s' },
    {
      outcome: 'no',
      when: 'one CNN has twice its parameters',
      edit: (d) => {
        d.tasks[0]!.models[0]!.parameters *= 2;
      },
    },
  ],
  'cnn-parameter-split': [
    { outcome: 'yes', when: 'the CNNs are the quick report’s' },
    {
      outcome: 'no',
      when: 'the shallowest CNN’s dense parameters are a tenth of what they were',
      edit: (d) => {
        const m = shallowest(d.tasks[0]!);
        for (const l of m.layers) if (l.kind.startsWith('dense')) l.parameters = Math.round(l.parameters / 10);
      },
    },
  ],
  'task-harder': [
    { outcome: 'yes', when: `${a} scores lower than ${b}`, args: { task: a, than: b }, edit: (d) => tasksAt(d, a, 0.6, b, 0.9) },
    { outcome: 'no', when: `${a} scores higher than ${b}`, args: { task: a, than: b }, edit: (d) => tasksAt(d, a, 0.9, b, 0.6) },
    { outcome: 'unchecked', when: `${b} is not installed`, args: { task: a, than: b }, edit: (d) => notInstalled(taskOf(d, b)) },
  ],
  'depth-on-task': [
    depthCase('deeper-better', 'every deep seed beats every shallow one', values(3, 0.95, 0.001), values(3, 0.9, 0.001)),
    depthCase('shallower-better', 'every shallow seed beats every deep one', values(3, 0.9, 0.001), values(3, 0.95, 0.001)),
    depthCase('seeds-overlap', 'the seeds’ ranges overlap', values(3, 0.9, 0.01), values(3, 0.905, 0.01)),
    { outcome: 'unchecked', when: `${a} is not installed`, args: { task: a }, edit: (d) => notInstalled(taskOf(d, a)) },
  ],
});
