/** npm run sync (tooling/sync.ts): the files derived from the stage folders are committed as derived. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { derive, stageFolders, syncCheck } from '../../pipeline/src/tooling/sync.ts';
import { root, stageList } from '../helpers/helpers.ts';
import { keysProject } from '../helpers/project-copy.ts';

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

  it('says what to do when package-lock.json cannot follow the stage packages, with exit code 2, and --check names it', () => {
    const dir = keysProject(['site/src']);
    const sync = (...args: string[]) => spawnSync(process.execPath, [join(dir, 'pipeline/src/bin/sync.ts'), ...args], { cwd: dir, encoding: 'utf8' });
    // A dependency written into pipeline/package.json by hand, never installed: the stages' packages get it, the lockfile cannot.
    const file = join(dir, 'pipeline/package.json');
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    pkg.dependencies['hw1-no-such-package'] = '1.0.0';
    writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
    const r = sync();
    expect(r.status, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(
      /^error: package-lock\.json could not be brought in step with the stage packages offline \(.*\); run `npm install`, then `npm run sync -- --check`\n$/,
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const check = sync('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(
      /^sync: out of date: package-lock\.json gives stages\/[\w-]+(, stages\/[\w-]+){7} other dependencies than pipeline\/package\.json has; run `npm run sync`\n$/,
    );
    // A lockfile that does not parse is named too.
    writeFileSync(join(dir, 'package-lock.json'), '{ broken');
    expect(sync('--check').stderr).toMatch(/out of date: package-lock\.json cannot be read \(/);
  });
});
