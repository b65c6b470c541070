/**
 * Every command a user types (package.json's scripts that run a file of the
 * project): --help explains it and exits 0; an unknown option is refused with
 * exit code 2 and a one-line message, before any work.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/helpers.ts';

const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
// `npm run stage` goes through the pipeline workspace; the others name their file.
const commands: Array<[string, string]> = [
  ['stage', 'pipeline/src/bin/stage.ts'],
  ...Object.entries(scripts).flatMap(([name, line]): Array<[string, string]> => {
    const file = /^node ((?:pipeline|site)\/\S+\.ts)$/.exec(line)?.[1];
    return file && name !== 'postinstall' ? [[name, file]] : [];
  }),
];

describe('every command', () => {
  it('is found in package.json', () => {
    expect(commands.map(([name]) => name).sort()).toEqual(
      ['bench', 'build:native', 'cache-server', 'datasets', 'diff', 'history', 'new-stage', 'pdf', 'plan', 'preview', 'publish:local', 'stage', 'sync'].sort(),
    );
  });

  it.each(commands)('npm run %s: --help exits 0 and explains it; an unknown option exits 2 with a message', (name, file) => {
    const run = (arg: string) => spawnSync(process.execPath, [join(root, file), arg], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const help = run('--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain(`npm run ${name}`);
    expect(help.stdout.split('\n').length).toBeGreaterThan(3);
    const bogus = run('--bogus');
    expect(bogus.status, bogus.stdout).toBe(2);
    expect(bogus.stderr).toMatch(/^error: unknown (option|argument) --bogus/);
    expect(bogus.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('is written in the README so that it runs on the machine’s Node 20 too: a TypeScript file through `npx node`, never bare `node`', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const bare = [...readme.matchAll(/\bnode ((?:pipeline|site)\/\S+\.ts)/g)].filter((m) => readme.slice(m.index - 4, m.index) !== 'npx ').map((m) => m[0]);
    expect(bare).toEqual([]);
    expect(readme).toMatch(/`npx node site\/scripts\/pages\.ts remove <n>`/);
  });
});
