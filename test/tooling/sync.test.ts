/** npm run sync (tooling/sync.ts): the files derived from the stage folders are committed as derived. */
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derive, stageFolders, syncCheck } from '../../pipeline/src/tooling/sync.ts';
import { root, stageList } from '../helpers/helpers.ts';

describe('npm run sync', () => {
  it('has written turbo.json, the package files, package-lock.json and both stage registries as the stage folders say', async () => {
    const { files, stages } = await derive();
    expect(files.map((f) => relative(root, f.file)).sort()).toEqual(
      [
        'pipeline/package.json',
        'pipeline/src/stages/registry.ts',
        'site/src/stages/registry.ts',
        ...stages.map((s) => `stages/${s}/package.json`),
        'turbo.json',
      ].sort(),
    );
    const { outdated } = await syncCheck();
    expect(outdated, `out of date: ${outdated.join(', ')}; run \`npm run sync\` and commit the result`).toEqual([]);
  });

  it('registers every stage folder, in the order of the report', async () => {
    const { stages } = await derive();
    expect([...stages].sort()).toEqual(stageFolders());
    expect(stageList.map((s) => s.name)).toEqual(stages);
  });
});
