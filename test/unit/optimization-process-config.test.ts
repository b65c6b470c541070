/** The optimization-process config (stages/optimization-process/spec.ts): the shipped one accepted, each mistake rejected by name. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../pipeline/src/core/config.ts';
import { configSchema } from '../../pipeline/src/stages/optimization-process/spec.ts';
import { root, shippedFields, tempDir, tinyConfig } from '../helpers/helpers.ts';

function configError(text: string): ConfigError {
  const file = join(tempDir(), 'optimization-process.yaml');
  writeFileSync(file, text);
  try {
    loadConfig(file, configSchema, 'full', 'exp.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const edit = (edits: Record<string, unknown>) => tinyConfig('optimization-process', edits);

describe('optimization-process config', () => {
  it('accepts the real config in both profiles, the runs and recording cycle as its fields say', () => {
    const fields = shippedFields('optimization-process');
    const quick = { ...fields, ...fields.profiles?.quick };
    const file = join(root, 'content/experiments/optimization-process.yaml');
    const full = loadConfig(file, configSchema, 'full').config;
    expect(full.seeds).toHaveLength(fields.seeds.length);
    expect(full.recordEvery).toBe(fields.recordEvery);
    const q = loadConfig(file, configSchema, 'quick').config;
    expect(q.epochs).toBe(quick.epochs);
    expect(q.seeds).toEqual(quick.seeds);
  });

  it('rejects a layer that does not exist, zero runs, a non-positive cycle', () => {
    expect(configError(edit({ hidden: [32, 32], layer: 4 })).message).toMatch(/exp\.yaml:\d+: layer: no layer 4: the model has dense layers 1 to 3/);
    expect(configError(edit({ layer: 0 })).message).toMatch(/layer: no layer 0/);
    expect(configError(edit({ seeds: [] })).message).toMatch(/seeds: expected a list of at least 1 items, got a list of 0/);
    expect(configError(edit({ recordEvery: 0 })).message).toMatch(/recordEvery: expected > 0, got number 0/);
    expect(configError(edit({ epochs: 300, recordEvery: 400 })).message).toMatch(/recordEvery: a recording cycle of 400 epochs is longer than/);
  });
});
