/** npm run sync (tooling/sync.ts): the files derived from the stage folders are committed as derived. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stageTask } from '../../pipeline/src/core/stage-task.ts';
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

  it('takes a removed stage out of turbo.json, the lockfile and stages/ (its folder whole, logs and all)', () => {
    const dir = keysProject(['site/src']);
    const page = join(dir, 'content/report/1-3-generalization.mdx');
    writeFileSync(page, readFileSync(page, 'utf8').replace(', flatness-sensitivity]', ']'));
    rmSync(join(dir, 'pipeline/src/stages/flatness-sensitivity'), { recursive: true });
    rmSync(join(dir, 'site/src/stages/flatness-sensitivity.ts'));
    // What running it through turbo leaves beside its package.json.
    mkdirSync(join(dir, 'stages/flatness-sensitivity/.turbo'));
    writeFileSync(join(dir, 'stages/flatness-sensitivity/.turbo/turbo-stage:flatness-sensitivity.log'), 'a log\n');
    const r = spawnSync(process.execPath, [join(dir, 'pipeline/src/bin/sync.ts')], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sync: 7 stages .*; wrote .*stages\/flatness-sensitivity\/package\.json.*, package-lock\.json\n$/);
    expect(existsSync(join(dir, 'stages/flatness-sensitivity'))).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(join(dir, 'turbo.json'), 'utf8')).tasks)).not.toContain(stageTask('flatness-sensitivity').id);
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
    expect(Object.keys(lock.packages).filter((k) => k.includes('flatness-sensitivity'))).toEqual([]);
    const check = spawnSync(process.execPath, [join(dir, 'pipeline/src/bin/sync.ts'), '--check'], { cwd: dir, encoding: 'utf8' });
    expect(check.stdout).toBe('sync: up to date (7 stages)\n');
  });
});
