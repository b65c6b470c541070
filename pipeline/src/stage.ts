/**
 * What a stage is: a name, its config file and schema, the schema of the data
 * it writes, and (in a separate module, so the site can read the schemas
 * without loading tfjs) a `run` function; and the facts every manifest records.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import type { Manifest } from './artifact.ts';
import { activeProfile, loadConfig, type LoadedConfig, type Profile } from './config.ts';
import { pipelineRoot, projectRoot } from './hash.ts';

export interface StageSpec<C extends z.ZodType = z.ZodType, D extends z.ZodType = z.ZodType> {
  /** Directory name under cache/artifacts and turbo task `stage:<name>`. */
  name: string;
  /** Section of the report, e.g. "1-1 Simulate a function". */
  title: string;
  /** Bumped whenever the shape of `data` changes. */
  schemaVersion: number;
  configSchema: C;
  dataSchema: D;
}

/** content/experiments/<name>.yaml, or the same name under HW1_CONFIG_DIR (used by tests). */
export function configFile(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(projectRoot, env.HW1_CONFIG_DIR ?? join('content', 'experiments'), `${name}.yaml`);
}

export function stageModule(name: string): string {
  return join(pipelineRoot, 'src', 'stages', `${name}.ts`);
}

export function loadStageConfig<C extends z.ZodType>(
  spec: StageSpec<C>,
  profile: Profile = activeProfile(),
  env: NodeJS.ProcessEnv = process.env,
): LoadedConfig<z.output<C>> {
  const file = configFile(spec.name, env);
  const shown = relative(projectRoot, file);
  return loadConfig(file, spec.configSchema, profile, shown.startsWith('..') ? file : shown);
}

export function gitState(): Manifest['git'] {
  try {
    const opts = { cwd: projectRoot, stdio: ['ignore', 'pipe', 'ignore'] as ['ignore', 'pipe', 'ignore'], encoding: 'utf8' as const };
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'pipeline', 'content'], opts).trim() !== '';
    return { commit, dirty };
  } catch {
    return null;
  }
}

export function libraryVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node-gpu']) {
    try {
      const json = JSON.parse(readFileSync(join(projectRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string };
      versions[pkg] = json.version;
    } catch {
      // Not installed (the native backend is optional).
    }
  }
  return versions;
}
