/**
 * Where things are: the checkout, the pipeline's sources, a stage's folder,
 * its config and its artifact. Relative settings (HW1_CONFIG_DIR,
 * HW1_ARTIFACTS_DIR) resolve against the project root, wherever a command
 * runs from (stages run in pipeline/, tests in the root, the site in site/).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from './errors.ts';

/** The checkout's root: the nearest directory above this module (or, once bundled into the site, above the working directory) holding turbo.json and the pipeline. */
function findProjectRoot(): string {
  for (const start of [dirname(fileURLToPath(import.meta.url)), process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, 'turbo.json')) && existsSync(join(dir, 'pipeline', 'src', 'core', 'paths.ts'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(`cannot find the project root (a directory with turbo.json and pipeline/) above ${process.cwd()}`);
}

export const projectRoot = findProjectRoot();
export const pipelineRoot = join(projectRoot, 'pipeline');
export const sourceRoot = join(pipelineRoot, 'src');
/** One folder per stage: spec.ts (schemas, no TensorFlow.js), run.ts (training), metrics.ts (for the diff). */
export const stagesRoot = join(sourceRoot, 'stages');

export type StagePart = 'spec' | 'run' | 'metrics';

export function stageFile(name: string, part: StagePart): string {
  return join(stagesRoot, name, `${part}.ts`);
}

/** content/experiments/<name>.yaml, or the same name under HW1_CONFIG_DIR (used by tests). */
export function configFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(projectRoot, env.HW1_CONFIG_DIR ?? join('content', 'experiments'), `${name}.yaml`);
}

export const ARTIFACT_FILE = 'artifact.json';

export function artifactsRoot(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(projectRoot, env.HW1_ARTIFACTS_DIR ?? join('cache', 'artifacts'));
}

export function artifactPath(stage: string, root: string = artifactsRoot()): string {
  return join(root, stage, ARTIFACT_FILE);
}

/** Where the report is built: HW1_SITE_OUT (relative to the project root) or site/dist. */
export function siteOutDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(projectRoot, env.HW1_SITE_OUT || join('site', 'dist'));
}

/** The paths turbo.json declares for what tasks read and write, and the variables that would move them. */
const turboPaths = {
  HW1_ARTIFACTS_DIR: { path: join('cache', 'artifacts'), what: 'the artifacts' },
  HW1_CONFIG_DIR: { path: join('content', 'experiments'), what: 'the configs' },
  HW1_SITE_OUT: { path: join('site', 'dist'), what: 'the report' },
} as const;

/**
 * Under turbo (it sets TURBO_HASH), a variable that moves a task's inputs or
 * outputs away from the paths turbo.json declares would make its cache lie: a
 * hit would restore nothing, or replay results of other inputs, and report
 * success. Refused, with the way to do it instead.
 */
export function checkTurboPaths(variables: ReadonlyArray<keyof typeof turboPaths>, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.TURBO_HASH) return;
  for (const variable of variables) {
    const value = env[variable];
    const { path, what } = turboPaths[variable];
    if (!value || resolve(projectRoot, value) === resolve(projectRoot, path)) continue;
    throw new InputError(
      `${variable}=${value} moves ${what} away from ${path}, where turbo reads and caches them, so its cache would lie (a hit restores nothing, or results of other inputs). ` +
        `Unset ${variable} for \`npx turbo run …\`; to use another directory, run the step directly (\`npm run stage -- <name>\`, \`npm run --workspace @hw1/site report\`)`,
    );
  }
}
