/**
 * `npm run typecheck` reaches inside .astro files: tsc cannot read them, so the
 * site's `check` script (`astro check`) types their frontmatter and templates.
 * Run in a copy of the project with one component that passes a number where
 * a string is expected: the check fails naming that file and line, and finds
 * nothing else (every other .astro file type-checks).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectCopy } from '../helpers/project-copy.ts';

describe('astro check', () => {
  it('fails on a type error in a .astro file, and finds none in the project', async () => {
    const dir = await projectCopy();
    writeFileSync(join(dir, 'site/src/components/TypeProbe.astro'), '---\nimport Value from \'./Value.astro\';\n---\n<Value stage={3} fact="epochsTo99" />\n');
    const r = spawnSync(process.execPath, [join(dir, 'node_modules/astro/bin/astro.mjs'), 'check'], {
      cwd: join(dir, 'site'),
      encoding: 'utf8',
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', NO_COLOR: '1' },
    });
    const out = stripVTControlCharacters(`${r.stdout}\n${r.stderr}`);
    expect(r.status, out).toBe(1);
    expect(out).toMatch(/src\/components\/TypeProbe\.astro:4:\d+ - error ts\(2322\): Type 'number' is not assignable to type 'string'/);
    expect(out, 'the project itself should have no type error in a .astro file').toMatch(/- 1 error\b/);
  });
});
