/** Formatting and lint rules (Biome, biome.json) hold for the whole tree: `npm run lint` fixes what it can. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from '../helpers/helpers.ts';

describe('biome', () => {
  it('finds nothing to format or fix', () => {
    const r = spawnSync(join(root, 'node_modules/.bin/biome'), ['ci', '--colors=off', '.'], { cwd: root, encoding: 'utf8' });
    expect(r.status, `${r.stdout}\n${r.stderr}\nrun \`npm run lint\` to fix what can be fixed`).toBe(0);
  });
});
