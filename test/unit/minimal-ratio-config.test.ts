/** The minimal-ratio config (stages/minimal-ratio/spec.ts): the shipped one accepted, each mistake rejected by name. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../pipeline/src/core/config.ts';
import { configSchema, type MinimalRatioConfig } from '../../pipeline/src/stages/minimal-ratio/spec.ts';
import { editConfig, shippedConfig, shippedFields, tempDir } from '../helpers/helpers.ts';

const configText = shippedConfig('minimal-ratio');

function load(text: string): MinimalRatioConfig {
  const file = join(tempDir(), 'minimal-ratio.yaml');
  writeFileSync(file, text);
  return loadConfig(file, configSchema, 'full', 'exp.yaml').config;
}

function configError(text: string): ConfigError {
  try {
    load(text);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('minimal-ratio config', () => {
  it('accepts the real config in both profiles', () => {
    const fields = shippedFields('minimal-ratio');
    const file = join(tempDir(), 'minimal-ratio.yaml');
    writeFileSync(file, configText);
    expect(loadConfig(file, configSchema, 'full').config.runs).toBe(fields.runs);
    expect(loadConfig(file, configSchema, 'quick').config.runs).toBe(fields.profiles?.quick?.runs ?? fields.runs);
  });

  it.each([
    ['zero runs', { runs: 0 }, /runs: /],
    ['a threshold that is not positive', { 'phase2.gradientThreshold': 0 }, /phase2\.gradientThreshold: /],
    ['a negative eigenvalue tolerance', { eigenvalueTolerance: -1.0e-6 }, /eigenvalueTolerance: /],
    ['a damping factor of 1', { 'phase2.dampingIncrease': 1 }, /phase2\.dampingIncrease: /],
    ['an unknown target', { target: 'cosh' }, /target: /],
    ['no hidden layer', { hidden: [] }, /hidden: /],
  ])('rejects %s', (_, edits, message) => {
    const text = editConfig(configText, edits);
    expect(text).not.toBe(configText);
    expect(configError(text).message).toMatch(message);
  });
});
