/**
 * Whether an artifact is current (pipeline/src/stages/current-artifact.ts),
 * which the report build refuses and `npm run dev` flags: computed under
 * another profile, from another config, by other code, or with a dataset
 * installed or removed since. Artifacts written here from the checks'
 * fixtures, in milliseconds; test/site/1-1-simulate-function.test.ts shows
 * the build itself refusing one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Artifact, type Manifest, resultHash, writeArtifact } from '../../pipeline/src/core/artifact.ts';
import { loadStageConfig } from '../../pipeline/src/core/config.ts';
import { stageCodeHash } from '../../pipeline/src/core/hash.ts';
import { datasetAvailable } from '../../pipeline/src/data/datasets.ts';
import { checkArtifact, loadCurrentArtifact } from '../../pipeline/src/stages/current-artifact.ts';
import { type StageSpec, specs } from '../../pipeline/src/stages/index.ts';
import { fixture } from '../helpers/checks.ts';
import { editConfig, shippedConfig, shippedFields, tempDir } from '../helpers/helpers.ts';

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

/** Writes a quick artifact of `stage` from its fixture, current in every input unless `manifest` says otherwise. */
function quickArtifact(stage: 'simulate-function' | 'train-on-tasks', manifest: Partial<Manifest> = {}): string {
  const spec = specs[stage] as StageSpec;
  const data = fixture(stage);
  const artifact: Artifact<unknown> = {
    schemaVersion: spec.schemaVersion,
    data,
    manifest: {
      stage,
      configHash: loadStageConfig(spec, 'quick').hash,
      codeHash: stageCodeHash(stage),
      data: {},
      profile: 'quick',
      backend: { name: 'wasm', detail: 'a test' },
      seeds: [1],
      git: null,
      createdAt: new Date(0).toISOString(),
      wallTimeSeconds: 1,
      versions: {},
      dataHash: resultHash(data),
      ...manifest,
    },
  };
  const file = join(tempDir(), 'artifact.json');
  writeArtifact(file, artifact);
  return file;
}

describe('a current artifact', () => {
  it('is read when config, code, profile and data match', () => {
    const file = quickArtifact('simulate-function');
    expect(checkArtifact(specs['simulate-function'], { profile: 'quick', file }).stale).toBeNull();
    expect(loadCurrentArtifact(specs['simulate-function'], { profile: 'quick', file }).manifest.profile).toBe('quick');
  });

  it('is refused for the full report when it was computed with the quick profile, naming the command', () => {
    const file = quickArtifact('simulate-function');
    expect(() => loadCurrentArtifact(specs['simulate-function'], { profile: 'full', file })).toThrow(
      'stale artifact for stage "simulate-function": computed with profile "quick", the report is built with "full"; run `npx turbo run report`',
    );
  });

  it('is stale when its config changed since, naming the file', () => {
    const file = quickArtifact('simulate-function');
    const configDir = tempDir();
    const epochs = (shippedFields('simulate-function').profiles?.quick?.epochs ?? shippedFields('simulate-function').epochs) as number;
    writeFileSync(join(configDir, 'simulate-function.yaml'), editConfig(shippedConfig('simulate-function'), { 'profiles.quick.epochs': epochs + 1 }));
    process.env.HW1_CONFIG_DIR = configDir;
    const { stale } = checkArtifact(specs['simulate-function'], { profile: 'quick', file });
    expect(stale?.reason).toBe('config');
    expect(stale?.message).toMatch(/^stale artifact for stage "simulate-function": .*simulate-function\.yaml changed since it was computed; run `/);
  });

  it('is stale when its code changed since', () => {
    const file = quickArtifact('simulate-function', { codeHash: 'other code' });
    expect(checkArtifact(specs['simulate-function'], { profile: 'quick', file }).stale).toEqual({
      reason: 'code',
      message: 'stale artifact for stage "simulate-function": its pipeline code changed since it was computed; run `HW1_PROFILE=quick npx turbo run report`',
    });
  });

  it('is stale when a dataset it read is no longer installed', () => {
    // No Fashion-MNIST anywhere: neither Debian's folder nor a fetched copy.
    process.env.HW1_FASHION_MNIST_DIR = tempDir();
    process.env.XDG_CACHE_HOME = tempDir();
    delete process.env.HW1_DATA_DIR;
    const file = quickArtifact('train-on-tasks', { data: { 'fashion-mnist': 'sha256:something' } });
    expect(checkArtifact(specs['train-on-tasks'], { profile: 'quick', file }).stale?.message).toMatch(
      /^stale artifact for stage "train-on-tasks": dataset fashion-mnist is no longer installed since it was computed; run /,
    );
  });

  it.runIf(datasetAvailable('fashion-mnist', process.env))('is stale when a dataset it found missing has been installed since', () => {
    const file = quickArtifact('train-on-tasks', { data: { 'fashion-mnist': 'absent' } });
    expect(checkArtifact(specs['train-on-tasks'], { profile: 'quick', file }).stale?.message).toMatch(
      /^stale artifact for stage "train-on-tasks": dataset fashion-mnist has been installed since it was computed; run /,
    );
  });
});
