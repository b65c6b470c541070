/**
 * core/config.ts: experiment configs parsed, merged with their profile and
 * validated, every error naming the file, line and field. The shipped
 * configs are edited as YAML (helpers.ts editConfig), so these tests hold
 * whatever values a user gives them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { activeProfile, ConfigError, loadConfig } from '../../pipeline/src/core/config.ts';
import { configSchema } from '../../pipeline/src/stages/simulate-function/spec.ts';
import { configSchema as tasksSchema } from '../../pipeline/src/stages/train-on-tasks/spec.ts';
import { editConfig, shippedConfig, shippedFields, tempDir } from '../helpers/helpers.ts';

const valid = shippedConfig('simulate-function');

function configError(text: string, profile: 'full' | 'quick' = 'full'): ConfigError {
  const dir = tempDir();
  const file = join(dir, 'simulate-function.yaml');
  writeFileSync(file, text);
  try {
    loadConfig(file, configSchema, profile, 'exp.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('experiment configs', () => {
  it('applies the profile over the top-level fields and hashes the result', () => {
    const dir = tempDir();
    const file = join(dir, 'c.yaml');
    writeFileSync(file, editConfig(valid, { epochs: 6000, 'profiles.quick.epochs': 600 }));
    const full = loadConfig(file, configSchema, 'full');
    const quick = loadConfig(file, configSchema, 'quick');
    expect(full.config.epochs).toBeGreaterThan(quick.config.epochs);
    expect(quick.config.models).toEqual(full.config.models);
    expect(full.hash).not.toBe(quick.hash);
    expect(loadConfig(file, configSchema, 'full').hash).toBe(full.hash);
  });

  it('names the file, line and field of an unknown field', () => {
    const err = configError(editConfig(valid, { epoch: 10 }));
    expect(err.message).toContain('exp.yaml');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.path).toEqual(['epoch']);
    expect(err.issues[0]!.message).toMatch(/unknown field/);
    expect(err.message).toMatch(/exp\.yaml:\d+: epoch: unknown field/);
  });

  it('names a nested field with the wrong type and what was expected', () => {
    const err = configError(editConfig(valid, { 'models.1.hidden.1': 'wide' }));
    expect(err.issues[0]!.path).toEqual(['models', 1, 'hidden', 1]);
    expect(err.message).toContain('models[1].hidden[1]: expected number, got the string "wide"');
  });

  it('names a missing field', () => {
    const err = configError(editConfig(valid, { learningRate: undefined }));
    expect(err.message).toContain('learningRate: expected number, got nothing (the field is missing)');
  });

  it('points at the profile override when the bad value comes from it', () => {
    const err = configError(editConfig(valid, { 'profiles.quick.epochs': 'many' }), 'quick');
    expect(err.issues[0]!.path).toEqual(['profiles', 'quick', 'epochs']);
    expect(err.message).toMatch(/profiles\.quick\.epochs: expected number, got the string "many"/);
  });

  it('checks the other profile too, so a typo in quick fails a full run', () => {
    const err = configError(editConfig(valid, { 'profiles.quick.epochz': 600 }), 'full');
    expect(err.issues[0]!.path).toEqual(['profiles', 'quick', 'epochz']);
  });

  it('rejects unknown profiles, YAML syntax errors and non-mappings', () => {
    expect(configError(editConfig(valid, { 'profiles.fast': { epochs: 1 } })).message).toMatch(/profiles\.fast: unknown profile/);
    expect(configError('functions: [sinc\nepochs: 3').message).toMatch(/exp\.yaml:\d+: YAML syntax/);
    expect(configError('- 1\n- 2\n').message).toMatch(/expected a mapping of fields, got a list of 2/);
  });

  it('rejects models whose parameter counts differ by more than the allowed spread', () => {
    const err = configError(editConfig(valid, { 'models.0': { name: 'shallow', hidden: [300] }, maxParameterSpread: 0.02 }));
    expect(err.message).toMatch(/models: expected parameter counts within 2% of each other, got shallow=901/);
  });

  it('rejects out-of-range numbers and unknown functions', () => {
    expect(configError(editConfig(valid, { learningRate: -1 })).message).toMatch(/learningRate: expected > 0, got number -1/);
    expect(configError(editConfig(valid, { functions: ['sinc', 'cosh'] })).message).toMatch(
      /functions\[1\]: expected one of "sinc", "sign", "damped-cosine", got the string "cosh"/,
    );
  });
});

describe('configs that would fail late or flood the terminal', () => {
  it('validates the full config under the quick profile, so quick CI catches what would break the full report', () => {
    const e = configError(editConfig(valid, { epochs: '6000', 'profiles.quick.epochs': 60 }), 'quick');
    expect(e.message).toMatch(/exp\.yaml:\d+: epochs: expected number, got the string "6000" \(under profile "full"\)/);
  });

  it('refuses a YAML alias bomb with a message, not a crash', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(configError(bomb).message).toMatch(/exp\.yaml: YAML refused: .*alias/i);
  });

  it('says NaN rather than "number null"', () => {
    expect(configError(editConfig(valid, { learningRate: Number.NaN })).message).toMatch(/learningRate: expected number, got NaN \(not a finite number\)/);
  });

  it('echoes at most the start of a huge value, and says how long it was', () => {
    const e = configError(editConfig(valid, { epochs: 'x'.repeat(5_000_000) }));
    expect(e.message.length).toBeLessThan(1000);
    expect(e.message).toMatch(/got the string "xxxx+… \(5,000,002 characters\)/);
  });
});

describe('train-on-tasks config', () => {
  const tasksValid = shippedConfig('train-on-tasks');
  const tasksFields = shippedFields('train-on-tasks');
  function tasksError(text: string): ConfigError {
    const dir = tempDir();
    const file = join(dir, 'train-on-tasks.yaml');
    writeFileSync(file, text);
    try {
      loadConfig(file, tasksSchema, 'full', 'tasks.yaml');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('expected a ConfigError');
  }

  it('accepts the shipped config', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'c.yaml'), tasksValid);
    expect(loadConfig(join(dir, 'c.yaml'), tasksSchema, 'quick').config.tasks).toEqual(tasksFields.profiles?.quick?.tasks ?? tasksFields.tasks);
  });

  it('rejects a batch larger than the training subset', () => {
    expect(tasksError(editConfig(tasksValid, { batchSize: 20000, 'profiles.quick.trainingSamples': 2000 })).message).toMatch(
      /batchSize: expected a batch size of at most trainingSamples \(2000\), got 20000 \(with the overrides of profile "quick"\)/,
    );
  });

  it('rejects CNNs whose parameter counts differ by more than 10% on a task', () => {
    expect(tasksError(editConfig(tasksValid, { 'models.0': { name: 'cnn-1conv', blocks: [[12]] }, maxParameterSpread: 0.1 })).message).toMatch(
      /models: expected parameter counts within 10% of each other on mnist, got cnn-1conv=23650/,
    );
  });

  it('rejects unknown datasets and models of equal depth', () => {
    expect(tasksError(editConfig(tasksValid, { tasks: ['mnist', 'svhn'] })).message).toMatch(
      /tasks\[1\]: expected one of "mnist", "fashion-mnist", "cifar10", got the string "svhn"/,
    );
    expect(tasksError(editConfig(tasksValid, { 'models.1.blocks': tasksFields.models[0].blocks })).message).toMatch(
      /expected every model to have a different depth/,
    );
  });
});

describe('the profile', () => {
  it('is full when HW1_PROFILE is unset, and one cache key for full: "full" spelled out is refused under turbo', () => {
    expect(activeProfile({})).toBe('full');
    expect(activeProfile({ HW1_PROFILE: 'quick' })).toBe('quick');
    expect(activeProfile({ HW1_PROFILE: 'quick', TURBO_HASH: 'abc' })).toBe('quick');
    expect(activeProfile({ HW1_PROFILE: 'full' })).toBe('full');
    expect(() => activeProfile({ HW1_PROFILE: 'full', TURBO_HASH: 'abc' })).toThrow(ConfigError);
    expect(() => activeProfile({ HW1_PROFILE: 'full', TURBO_HASH: 'abc' })).toThrow(/"full" is the default: unset HW1_PROFILE for turbo/);
    expect(() => activeProfile({ HW1_PROFILE: 'Quick' })).toThrow(/HW1_PROFILE.*expected one of "full", "quick", got "Quick"/s);
  });
});
