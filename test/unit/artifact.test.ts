import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ArtifactError, type Manifest, readArtifact, recomputeCommand, resultHash, writeArtifact } from '../../pipeline/src/core/artifact.ts';
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
type Data = z.infer<typeof dataSchema>;

/** An artifact as a stage writes it: its manifest records the hash of its data. */
const artifactOf = (data: Data, schemaVersion = 1) => ({ schemaVersion, manifest: { ...manifest, dataHash: resultHash(data) }, data });

describe('artifacts', () => {
  it('round-trips through write and read with validation', () => {
    const file = join(tempDir(), 'demo', 'artifact.json');
    const artifact = artifactOf({ losses: [1, 0.5, 0.25], label: 'x' }, 3);
    writeArtifact(file, artifact);
    expect(readArtifact(file, 'demo', 3, dataSchema)).toEqual(artifact);
  });

  it('refuses non-finite numbers before touching the previous artifact', () => {
    const file = join(tempDir(), 'demo', 'artifact.json');
    writeArtifact(file, artifactOf({ losses: [1], label: 'old' }));
    expect(() => writeArtifact(file, { schemaVersion: 1, manifest, data: { losses: [NaN], label: 'new' } })).toThrow(/non-finite number NaN/);
    expect(readArtifact(file, 'demo', 1, dataSchema).data.label).toBe('old');
    expect(readdirSync(join(file, '..'))).toEqual(['artifact.json']);
  });

  it('leaves the previous artifact whole when the writer is killed mid-write', async () => {
    const dir = tempDir();
    const file = join(dir, 'demo', 'artifact.json');
    writeArtifact(file, artifactOf({ losses: [1], label: 'old' }));
    // A child process writes large artifacts in a loop; kill it at an arbitrary moment, several times.
    const script = join(dir, 'writer.ts');
    writeFileSync(
      script,
      `import { resultHash, writeArtifact } from ${JSON.stringify(join(root, 'pipeline/src/core/artifact.ts'))};
       const manifest = ${JSON.stringify(manifest)};
       const losses = Array.from({ length: 2_000_000 }, (_, i) => i / 7);
       process.stdout.write('ready\\n');
       for (let i = 0; ; i++) {
         const data = { losses, label: 'new' + i };
         writeArtifact(${JSON.stringify(file)}, { schemaVersion: 1, manifest: { ...manifest, dataHash: resultHash(data) }, data });
       }`,
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
    writeArtifact(file, artifactOf({ losses: [2], label: 'last' }));
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
    expect(() => readArtifact(file, 'demo', 1, dataSchema, { allowUnhashed: true })).toThrow(/invalid artifact data for stage "demo"[\s\S]*losses/);
    writeFileSync(file, JSON.stringify(artifactOf({ losses: [], label: 'x' })));
    expect(() => readArtifact(file, 'demo', 2, dataSchema)).toThrow(/schema version 1, expected 2/);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('"label":"x"');
  });

  it('refuses an artifact whose data no longer match its result hash, naming the stage and the command that recomputes it past turbo’s cache', () => {
    const file = join(tempDir(), 'demo', 'artifact.json');
    writeArtifact(file, artifactOf({ losses: [0.5, 0.25], label: 'computed' }));
    // One number edited by hand, the file still valid JSON of the right shape.
    writeFileSync(file, readFileSync(file, 'utf8').replace('0.25', '0.2'));
    expect(() => readArtifact(file, 'demo', 1, dataSchema)).toThrow(
      /tampered or damaged artifact for stage "demo".*changed after it wrote them.*`HW1_PROFILE=quick npx turbo run stage:demo --force`/,
    );
    // Checked even where artifacts without a hash are accepted (the base of a diff).
    expect(() => readArtifact(file, 'demo', 1, dataSchema, { allowUnhashed: true })).toThrow(/tampered or damaged/);
  });

  it('refuses an artifact without a result hash unless asked to accept one (an older revision’s)', () => {
    const file = join(tempDir(), 'artifact.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, manifest, data: { losses: [1], label: 'old' } }));
    expect(() => readArtifact(file, 'demo', 1, dataSchema)).toThrow(/unverifiable artifact for stage "demo".*no result hash/);
    expect(readArtifact(file, 'demo', 1, dataSchema, { allowUnhashed: true }).data.label).toBe('old');
  });

  it('hashes results independently of key order, and names the full profile by leaving HW1_PROFILE unset', () => {
    expect(resultHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(resultHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(resultHash({ a: 1 })).not.toBe(resultHash({ a: 1.0000001 }));
    expect(recomputeCommand('demo', 'full')).toBe('npx turbo run report');
    expect(recomputeCommand('demo', 'quick', true)).toBe('HW1_PROFILE=quick npx turbo run stage:demo --force');
  });
});
