import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArtifactError, type Manifest, readArtifact, writeArtifact } from '../../pipeline/src/core/artifact.ts';
import { root, tempDir } from '../helpers/helpers.ts';

const manifest: Manifest = {
  stage: 'demo',
  configHash: 'c0ffee',
  codeHash: 'facade',
  data: {},
  profile: 'quick',
  backend: { name: 'cpu', detail: 'test' },
  seeds: [1, 2],
  git: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  wallTimeSeconds: 1.5,
  versions: { node: '24' },
};
const dataSchema = z.strictObject({ losses: z.array(z.number()), label: z.string() });

describe('artifacts', () => {
  it('round-trips through write and read with validation', () => {
    const file = join(tempDir(), 'demo', 'artifact.json');
    const artifact = { schemaVersion: 3, manifest, data: { losses: [1, 0.5, 0.25], label: 'x' } };
    writeArtifact(file, artifact);
    expect(readArtifact(file, 'demo', 3, dataSchema)).toEqual(artifact);
  });

  it('refuses non-finite numbers before touching the previous artifact', () => {
    const file = join(tempDir(), 'demo', 'artifact.json');
    writeArtifact(file, { schemaVersion: 1, manifest, data: { losses: [1], label: 'old' } });
    expect(() => writeArtifact(file, { schemaVersion: 1, manifest, data: { losses: [NaN], label: 'new' } })).toThrow(/non-finite number NaN/);
    expect(readArtifact(file, 'demo', 1, dataSchema).data.label).toBe('old');
    expect(readdirSync(join(file, '..'))).toEqual(['artifact.json']);
  });

  it('leaves the previous artifact whole when the writer is killed mid-write', async () => {
    const dir = tempDir();
    const file = join(dir, 'demo', 'artifact.json');
    writeArtifact(file, { schemaVersion: 1, manifest, data: { losses: [1], label: 'old' } });
    // A child process writes large artifacts in a loop; kill it at an arbitrary moment, several times.
    const script = join(dir, 'writer.ts');
    writeFileSync(
      script,
      `import { writeArtifact } from ${JSON.stringify(join(root, 'pipeline/src/core/artifact.ts'))};
       const manifest = ${JSON.stringify(manifest)};
       const losses = Array.from({ length: 2_000_000 }, (_, i) => i / 7);
       process.stdout.write('ready\\n');
       for (let i = 0; ; i++) writeArtifact(${JSON.stringify(file)}, { schemaVersion: 1, manifest, data: { losses, label: 'new' + i } });`,
    );
    for (const delay of [150, 400, 900]) {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((res) => child.stdout.once('data', () => res()));
      await new Promise((res) => setTimeout(res, delay));
      child.kill('SIGKILL');
      await new Promise((res) => child.once('exit', res));
      const read = readArtifact(file, 'demo', 1, dataSchema);
      expect(read.data.label).toMatch(/^(old|new\d+)$/);
    }
    // The next successful write sweeps any temp file a killed writer left behind.
    writeArtifact(file, { schemaVersion: 1, manifest, data: { losses: [2], label: 'last' } });
    expect(readdirSync(join(dir, 'demo'))).toEqual(['artifact.json']);
  }, 60_000);

  it('explains a missing, corrupt, mis-shaped or outdated artifact and names the stage to run', () => {
    const dir = tempDir();
    const file = join(dir, 'artifact.json');
    expect(() => readArtifact(file, 'demo', 1, dataSchema)).toThrow(/missing artifact for stage "demo".*npm run stage -- demo/);
    writeFileSync(file, '{"schemaVersion": 1, "manif');
    expect(() => readArtifact(file, 'demo', 1, dataSchema)).toThrow(ArtifactError);
    expect(() => readArtifact(file, 'demo', 1, dataSchema)).toThrow(/corrupt artifact for stage "demo"/);
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, manifest, data: { losses: 'many', label: 'x' } }));
    expect(() => readArtifact(file, 'demo', 1, dataSchema)).toThrow(/invalid artifact data for stage "demo"[\s\S]*losses/);
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, manifest, data: { losses: [], label: 'x' } }));
    expect(() => readArtifact(file, 'demo', 2, dataSchema)).toThrow(/schema version 1, expected 2/);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('"label":"x"');
  });
});
