/**
 * Where things are: the checkout, the pipeline's sources, a stage's folder,
 * its config and its artifact. Relative settings (HW1_CONFIG_DIR,
 * HW1_ARTIFACTS_DIR) resolve against the project root, wherever a command
 * runs from (stages run in pipeline/, tests in the root, the site in site/).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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
