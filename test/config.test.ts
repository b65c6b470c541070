import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../pipeline/src/config.ts';
import { configSchema } from '../pipeline/src/stages/simulate-function.schema.ts';
import { configSchema as tasksSchema } from '../pipeline/src/stages/train-on-tasks.schema.ts';
import { root, runCli, tempDir } from './helpers.ts';

const valid = readFileSync(join(root, 'content/experiments/simulate-function.yaml'), 'utf8');

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
    writeFileSync(file, valid);
    const full = loadConfig(file, configSchema, 'full');
    const quick = loadConfig(file, configSchema, 'quick');
    expect(full.config.epochs).toBeGreaterThan(quick.config.epochs);
    expect(quick.config.models).toEqual(full.config.models);
    expect(full.hash).not.toBe(quick.hash);
    expect(loadConfig(file, configSchema, 'full').hash).toBe(full.hash);
  });

  it('names the file, line and field of an unknown field', () => {
    const err = configError(valid.replace('epochs: 6000', 'epochs: 6000\nepoch: 10'));
    expect(err.message).toContain('exp.yaml');
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]!.path).toEqual(['epoch']);
    expect(err.issues[0]!.message).toMatch(/unknown field/);
    expect(err.message).toMatch(/exp\.yaml:\d+: epoch: unknown field/);
  });

  it('names a nested field with the wrong type and what was expected', () => {
    const err = configError(valid.replace('hidden: [22, 22]', 'hidden: [22, "wide"]'));
    expect(err.issues[0]!.path).toEqual(['models', 1, 'hidden', 1]);
    expect(err.message).toContain('models[1].hidden[1]: expected number, got the string "wide"');
  });

  it('names a missing field', () => {
    const err = configError(valid.replace(/^learningRate: .*$/m, ''));
    expect(err.message).toContain('learningRate: expected number, got nothing (the field is missing)');
  });

  it('points at the profile override when the bad value comes from it', () => {
    const err = configError(valid.replace('    epochs: 600', '    epochs: many'), 'quick');
    expect(err.issues[0]!.path).toEqual(['profiles', 'quick', 'epochs']);
    expect(err.message).toMatch(/profiles\.quick\.epochs: expected number, got the string "many"/);
  });

  it('checks the other profile too, so a typo in quick fails a full run', () => {
    const err = configError(valid.replace('    epochs: 600', '    epochz: 600'), 'full');
    expect(err.issues[0]!.path).toEqual(['profiles', 'quick', 'epochz']);
  });

  it('rejects unknown profiles, YAML syntax errors and non-mappings', () => {
    expect(configError(`${valid}\n  fast:\n    epochs: 1\n`).message).toMatch(/profiles\.fast: unknown profile/);
    expect(configError('functions: [sinc\nepochs: 3').message).toMatch(/exp\.yaml:\d+: YAML syntax/);
    expect(configError('- 1\n- 2\n').message).toMatch(/expected a mapping of fields, got a list of 2/);
  });

  it('rejects models whose parameter counts differ by more than the allowed spread', () => {
    const err = configError(valid.replace('hidden: [192]', 'hidden: [300]'));
    expect(err.message).toMatch(/models: expected parameter counts within 2% of each other, got shallow=901/);
  });

  it('rejects out-of-range numbers and unknown functions', () => {
    expect(configError(valid.replace('learningRate: 0.003', 'learningRate: -1')).message).toMatch(/learningRate: expected > 0, got number -1/);
    expect(configError(valid.replace('[sinc, sign, damped-cosine]', '[sinc, cosh]')).message).toMatch(
      /functions\[1\]: expected one of "sinc", "sign", "damped-cosine", got the string "cosh"/,
    );
  });
});

describe('a stage with a bad config', () => {
  for (const [what, edit, expected] of [
    ['an unknown field', (t: string) => t.replace('epochs: 6000', 'epochs: 6000\nbatchSize: 32'), /simulate-function\.yaml:\d+: batchSize: unknown field/],
    ['a wrong type', (t: string) => t.replace('trainingPoints: 256', 'trainingPoints: lots'), /trainingPoints: expected number, got the string "lots"/],
    ['a missing field', (t: string) => t.replace(/^learningRate: .*$/m, ''), /learningRate: expected number, got nothing \(the field is missing\)/],
  ] as const) {
    it(`stops with ${what}: exit code 2, the file and field named, no artifact`, () => {
      const configDir = tempDir();
      const artifacts = tempDir();
      writeFileSync(join(configDir, 'simulate-function.yaml'), edit(valid));
      const r = runCli(['simulate-function'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_PROFILE: 'quick' });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(join(configDir, 'simulate-function.yaml'));
      expect(r.stderr).toMatch(expected);
      expect(existsSync(join(artifacts, 'simulate-function'))).toBe(false);
    });
  }

  it('reports a bad environment variable or data file as a message, not a stack trace', () => {
    const artifacts = tempDir();
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['simulate-function'], { HW1_PROFILE: 'quick', HW1_BACKEND: 'gpu' }, /^error: HW1_BACKEND="gpu" is not a backend; expected one of tensorflow, wasm, cpu\n$/],
      [['simulate-function'], { HW1_PROFILE: 'quick', HW1_WORKERS: 'two' }, /^error: HW1_WORKERS="two" is not a positive integer\n$/],
    ];
    // Fashion-MNIST files that exist but are truncated: a corrupt dataset, not a missing one.
    const corrupt = tempDir();
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(corrupt, name), Buffer.from([0, 0, 8, 3, 0, 0]));
    }
    cases.push([['train-on-tasks'], { HW1_PROFILE: 'quick', HW1_FASHION_MNIST_DIR: corrupt }, new RegExp(`^error: ${corrupt}/train-images-idx3-ubyte: .*\\n$`)]);
    for (const [args, env, expected] of cases) {
      const r = runCli(args, { ...env, HW1_ARTIFACTS_DIR: artifacts });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(existsSync(join(artifacts, 'train-on-tasks'))).toBe(false);
  });

  it('explains usage errors', () => {
    expect(runCli(['no-such-stage']).stderr).toMatch(/unknown stage "no-such-stage"; expected one of simulate-function/);
    expect(runCli(['simulate-function'], { HW1_PROFILE: 'fast' }).stderr).toMatch(/HW1_PROFILE: expected one of "full", "quick", got "fast"/);
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run stage -- <stage>/);
    expect(help.stdout).toContain('simulate-function');
  });
});

describe('train-on-tasks config', () => {
  const tasksValid = readFileSync(join(root, 'content/experiments/train-on-tasks.yaml'), 'utf8');
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
    expect(loadConfig(join(dir, 'c.yaml'), tasksSchema, 'quick').config.tasks).toEqual(['mnist', 'fashion-mnist', 'cifar10']);
  });

  it('rejects a batch larger than the training subset', () => {
    expect(tasksError(tasksValid.replace('batchSize: 64', 'batchSize: 20000')).message).toMatch(/batchSize: expected at most trainingSamples \(2000\), got 20000 \(with the overrides of profile "quick"\)/);
  });

  it('rejects CNNs whose parameter counts differ by more than 10% on a task', () => {
    expect(tasksError(tasksValid.replace('blocks: [[6]]', 'blocks: [[12]]')).message).toMatch(/models: expected parameter counts within 10% of each other on mnist, got cnn-1conv=23650/);
  });

  it('rejects unknown datasets and models of equal depth', () => {
    expect(tasksError(tasksValid.replace('tasks: [mnist, fashion-mnist, cifar10]', 'tasks: [mnist, svhn]')).message).toMatch(
      /tasks\[1\]: expected one of "mnist", "fashion-mnist", "cifar10", got the string "svhn"/,
    );
    expect(tasksError(tasksValid.replace('blocks: [[8], [20]]', 'blocks: [[6]]')).message).toMatch(/expected every model to have a different depth/);
  });
});
