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
  /** Something that is not a link the project made sits where the link goes: left alone, and said. */
  blocked: string | null;
}

/**
 * Points cache/datasets/<name> at each dataset's directory (or removes the
 * link while it has none). Only links are ever replaced or removed: a real
 * file or directory at that place is not the project's, so it is left as it
 * is and reported in `blocked`.
 */
export function linkDatasets(
  names: readonly DatasetName[] = datasetNames,
  env: NodeJS.ProcessEnv = process.env,
  dir: string = datasetLinksDir(),
): DatasetLink[] {
  mkdirSync(dir, { recursive: true });
  return names.map((name) => {
    const link = join(dir, name);
    const target = datasetDirectory(name, env);
    let entry: ReturnType<typeof lstatSync> | undefined;
    try {
      entry = lstatSync(link);
    } catch {
      entry = undefined;
    }
    let blocked: string | null = null;
    if (entry && !entry.isSymbolicLink()) {
      blocked = `${link} is a ${entry.isDirectory() ? 'directory' : 'file'}, not a link this project made; it was left as it is (move it elsewhere, then run \`npm run datasets\`)`;
    } else if ((entry ? readlinkSync(link) : undefined) !== target) {
      if (entry) rmSync(link);
      if (target !== undefined) symlinkSync(target, link, 'dir');
    }
    return { name, link, target, available: datasetAvailable(name, env), blocked };
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
