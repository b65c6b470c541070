/**
 * Every stage of the report, in report order. Names only: the CLI loads a
 * stage's module on demand, so one stage's code is never part of another's
 * cache key.
 */
export const stageList = [
  { name: 'simulate-function', title: '1-1 Simulate a function' },
  { name: 'train-on-tasks', title: '1-1 Train on actual tasks' },
  { name: 'optimization-process', title: '1-2 Visualize the optimization process' },
  { name: 'minimal-ratio', title: '1-2 What happens when the gradient is almost zero' },
  { name: 'random-labels', title: '1-3 Can a network fit random labels?' },
  { name: 'parameters-vs-generalization', title: '1-3 Number of parameters vs. generalization' },
  { name: 'flatness-interpolation', title: '1-3 Flatness vs. generalization, part 1' },
  { name: 'flatness-sensitivity', title: '1-3 Flatness vs. generalization, part 2' },
] as const;
export type StageName = (typeof stageList)[number]['name'];
