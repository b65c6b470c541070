/**
 * A stage's turbo task, and how task ids name stages. No stage imports this
 * module, so it is in no stage's cache key: the diff, the history, the sync
 * and the tests read it.
 */

/**
 * A stage's turbo task: the script `stage:<name>` of its own workspace package, stages/<name>/ (written by
 * `npm run sync`). turbo hashes a task's package.json into its key whatever the inputs say, so each stage
 * has a package.json of its own: adding a stage, or editing pipeline/package.json, leaves every other
 * stage's key alone.
 */
export const stageTask = (name: string) => ({
  /** The workspace package. */
  package: `@hw1/stage-${name}`,
  /** Its folder, relative to the project root. */
  dir: `stages/${name}`,
  /** turbo's task id, as in turbo.json and its run summaries. */
  id: `@hw1/stage-${name}#stage:${name}`,
});

/** Where a checkout may have a stage's task, newest layout first: older commits ran every stage in @hw1/pipeline. */
export const stageTaskLayouts = (name: string): Array<ReturnType<typeof stageTask>> => [
  stageTask(name),
  { package: '@hw1/pipeline', dir: 'pipeline', id: `@hw1/pipeline#stage:${name}` },
];

/** The task ids a checkout's turbo.json may give a stage: those of its layouts, or the bare task name. */
export const stageTaskIds = (name: string): string[] => [...stageTaskLayouts(name).map((l) => l.id), `stage:${name}`];

/** The stage a turbo task id names, in any of those layouts (`@hw1/stage-<name>#stage:<name>`, `@hw1/pipeline#stage:<name>`, `stage:<name>`); undefined for another task. */
export function stageOfTask(id: string): string | undefined {
  return /^(?:@hw1\/[a-z0-9-]+#)?stage:(.+)$/.exec(id)?.[1];
}
