/**
 * cache/datasets/<name>: a symbolic link per dataset to the directory it is
 * read from. turbo follows these links when it hashes a stage's inputs, so
 * installing or replacing a dataset (even outside the repository, e.g. under
 * /usr/share) reruns exactly the stages that read it. Made by `npm ci` and
 * `npm run datasets`.
 */
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../core/paths.ts';
import { type DatasetName, datasetAvailable, datasetDirectory, datasetNames } from './datasets.ts';

/** cache/datasets/: one symbolic link per dataset, to the directory it is read from. */
export const datasetLinksDir = (): string => join(projectRoot, 'cache', 'datasets');

export interface DatasetLink {
  name: DatasetName;
  link: string;
  target: string | undefined;
  available: boolean;
}

/** Points cache/datasets/<name> at each dataset's directory (or removes the link while it has none). */
export function linkDatasets(
  names: readonly DatasetName[] = datasetNames,
  env: NodeJS.ProcessEnv = process.env,
  dir: string = datasetLinksDir(),
): DatasetLink[] {
  mkdirSync(dir, { recursive: true });
  return names.map((name) => {
    const link = join(dir, name);
    const target = datasetDirectory(name, env);
    let current: string | undefined;
    try {
      current = lstatSync(link).isSymbolicLink() ? readlinkSync(link) : '';
    } catch {
      current = undefined;
    }
    if (current !== target) {
      rmSync(link, { recursive: true, force: true });
      if (target !== undefined) symlinkSync(target, link, 'dir');
    }
    return { name, link, target, available: datasetAvailable(name, env) };
  });
}

/** Where the link of `name` points now, if anywhere. */
export function datasetLinkTarget(name: DatasetName): string | undefined {
  try {
    return readlinkSync(join(datasetLinksDir(), name));
  } catch {
    return undefined;
  }
}
