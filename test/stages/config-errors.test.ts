/**
 * The stage command (npm run stage) on bad input: a bad config, environment
 * variable, data file or command line stops it with exit code 2 and a
 * message naming what is wrong, never a stack trace, and writes no artifact.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { editConfig, runCli, shippedConfig, tempDir } from '../helpers/helpers.ts';

const valid = shippedConfig('simulate-function');

describe('a stage with a bad config', () => {
  for (const [what, edits, expected] of [
    ['an unknown field', { batchSize: 32 }, /simulate-function\.yaml:\d+: batchSize: unknown field/],
    ['a wrong type', { trainingPoints: 'lots' }, /trainingPoints: expected number, got the string "lots"/],
    ['a missing field', { learningRate: undefined }, /learningRate: expected number, got nothing \(the field is missing\)/],
  ] as const) {
    it(`stops with ${what}: exit code 2, the file and field named, no artifact`, () => {
      const configDir = tempDir();
      const artifacts = tempDir();
      writeFileSync(join(configDir, 'simulate-function.yaml'), editConfig(valid, edits));
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
      [
        ['simulate-function'],
        { HW1_PROFILE: 'quick', HW1_BACKEND: 'gpu' },
        /^error: HW1_BACKEND="gpu" is not a backend; expected one of tensorflow, wasm\+onednn, wasm, cpu\n$/,
      ],
      [['simulate-function'], { HW1_PROFILE: 'quick', HW1_WORKERS: 'two' }, /^error: HW1_WORKERS="two" is not a positive integer\n$/],
    ];
    // Fashion-MNIST files that exist but are truncated: a corrupt dataset, not a missing one.
    const corrupt = tempDir();
    for (const name of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      writeFileSync(join(corrupt, name), Buffer.from([0, 0, 8, 3, 0, 0]));
    }
    cases.push([
      ['train-on-tasks'],
      { HW1_PROFILE: 'quick', HW1_FASHION_MNIST_DIR: corrupt },
      new RegExp(`^error: ${corrupt}/train-images-idx3-ubyte: .*\\n$`),
    ]);
    for (const [args, env, expected] of cases) {
      const r = runCli(args, { ...env, HW1_ARTIFACTS_DIR: artifacts });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
    expect(existsSync(join(artifacts, 'train-on-tasks'))).toBe(false);
  });

  it('explains usage errors', () => {
    expect(runCli(['no-such-stage']).stderr).toMatch(/unknown stage "no-such-stage"; expected one of flatness-interpolation, .*simulate-function/);
    expect(runCli(['simulate-function'], { HW1_PROFILE: 'fast' }).stderr).toMatch(/HW1_PROFILE: expected one of "full", "quick", got "fast"/);
    const unknown = runCli(['simulate-function', '--fast']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --fast; see --help/);
    const help = runCli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/Usage: npm run stage -- <stage>/);
    expect(help.stdout).toContain('simulate-function');
  });
});
