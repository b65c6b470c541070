/**
 * Every stage of the report, in report order. Names only: the CLI loads a
 * stage's module on demand, so one stage's code is never part of another's
 * cache key.
 */
export const stageList = [
  { name: 'simulate-function', title: '1-1 Simulate a function' },
  { name: 'train-on-tasks', title: '1-1 Train on actual tasks' },
] as const;
export type StageName = (typeof stageList)[number]['name'];
