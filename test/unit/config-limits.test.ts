/**
 * Every size and count a config can ask for has an upper bound that says why
 * (core/schemas.ts `limits`): a config no machine could run fails at
 * validation, in both profiles, naming the field, the bound and the reason,
 * instead of running out of memory or training without end.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ConfigError, loadConfig, profiles } from '../../pipeline/src/core/config.ts';
import { editConfig, shippedConfig, stageList, tempDir } from '../helpers/helpers.ts';

/**
 * Integer fields and lists that need no bound of their own: seeds (values, not
 * sizes), lists of distinct names from a fixed set, and sizes a refinement
 * already bounds by another, bounded field.
 */
const boundedElsewhere: Record<string, string> = {
  'seeds[]': 'a seed is a value, not a size',
  dataSeed: 'a seed is a value, not a size',
  labelSeed: 'a seed is a value, not a size',
  baseSeed: 'a seed is a value, not a size',
  functions: 'distinct names of a fixed set of targets',
  tasks: 'distinct names of a fixed set of datasets',
  batchSize: 'at most trainingSamples (or trainingPoints), checkBatchSize',
  'models[].batchSize': 'at most trainingSamples, checkBatchSize',
  'batchSizes[]': 'at most trainingSamples, checkBatchSize',
  layer: 'one of the model’s dense layers',
  recordEvery: 'at most epochs',
  sensitivitySamples: 'at most testSamples',
  'sharpness.samples': 'at most trainingSamples',
};

type Field = { path: string; kind: 'integer' | 'list'; bounded: boolean };

/** Every integer field and list of a config schema, and whether it has an upper bound. */
function fields(schema: z.ZodType, path = '', out: Field[] = []): Field[] {
  // biome-ignore lint/suspicious/noExplicitAny: zod's internal definition, walked by kind
  const s = schema as any;
  const def = s._zod.def;
  switch (def.type) {
    case 'object':
      for (const [k, v] of Object.entries(def.shape)) fields(v as z.ZodType, path ? `${path}.${k}` : k, out);
      break;
    case 'array':
      // biome-ignore lint/suspicious/noExplicitAny: as above
      out.push({ path, kind: 'list', bounded: (def.checks ?? []).some((c: any) => c._zod.def.check === 'max_length') });
      fields(def.element, `${path}[]`, out);
      break;
    case 'default':
    case 'optional':
    case 'nullable':
    case 'prefault':
      fields(def.innerType, path, out);
      break;
    case 'number':
      if (s.isInt) out.push({ path, kind: 'integer', bounded: s.maxValue < Number.MAX_SAFE_INTEGER });
      break;
    default:
      break;
  }
  return out;
}

function configError(stage: string, text: string, profile: (typeof profiles)[number]): ConfigError {
  const file = join(tempDir(), `${stage}.yaml`);
  writeFileSync(file, text);
  const spec = stageList.find((s) => s.name === stage)!;
  try {
    loadConfig(file, spec.configSchema, profile, `${stage}.yaml`);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected ${stage}.yaml to be refused`);
}

describe('upper bounds on configs', () => {
  it('bounds every integer field and list of every stage (or says what bounds it instead)', () => {
    const unbounded: string[] = [];
    for (const spec of stageList) {
      for (const f of fields(spec.configSchema)) if (!f.bounded && !(f.path in boundedElsewhere)) unbounded.push(`${spec.name}: ${f.path} (${f.kind})`);
    }
    expect(unbounded).toEqual([]);
  });

  // What a careful but hostile user tried: each ran out of memory, threw after minutes, or never ended.
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'simulate-function',
      { trainingPoints: 300_000_000 },
      /trainingPoints: expected at most 100,000, got number 300000000: every model's activations at every point are held at once/,
    ],
    ['simulate-function', { gridPoints: 2_000_000_000 }, /gridPoints: expected at most 10,000, got number 2000000000: each run's prediction/],
    ['simulate-function', { epochs: 1e12 }, /epochs: expected at most 100,000, got number 1000000000000: more epochs than any run here could finish/],
    [
      'simulate-function',
      { seeds: Array.from({ length: 200_000 }, (_, i) => i) },
      /seeds: expected at most 1,000 items, got a list of 200000: each seed trains/,
    ],
    ['minimal-ratio', { hidden: [64, 64] }, /hidden: expected a model of at most 2,000 parameters, got 4,353: the Hessian is n × n/],
    ['minimal-ratio', { runs: 1e9 }, /runs: expected at most 10,000/],
    ['optimization-process', { 'surface.resolution': 100_000 }, /surface\.resolution: expected at most 1,000, got number 100000: the loss is evaluated/],
    ['random-labels', { hidden: [8192, 8192, 8192] }, /hidden: expected a model of at most 20,000,000 parameters, got 140,746,762: a parameter takes 16 bytes/],
    ['parameters-vs-generalization', { layers: 1000 }, /layers: expected at most 64, got number 1000: deeper than any network/],
    ['flatness-interpolation', { 'alpha.count': 1e8 }, /alpha\.count: expected at most 10,000, got number 100000000: each value of α/],
    ['flatness-sensitivity', { 'sharpness.iterations': 1e9 }, /sharpness\.iterations: expected at most 100,000/],
    [
      'train-on-tasks',
      {
        models: [
          { name: 'deep-pools', blocks: [[8], [8], [8], [8], [8], [8]] },
          { name: 'cnn-2conv', blocks: [[8], [20]] },
          {
            name: 'cnn-4conv',
            blocks: [
              [8, 8],
              [16, 16],
            ],
          },
        ],
      },
      /models\[0\]\.blocks: expected at most 4 blocks: each ends in a 2×2 pool, and mnist's 28×28 images would shrink to nothing after 6/,
    ],
  ];
  for (const [stage, edits, message] of cases) {
    const [field] = Object.keys(edits);
    it(`refuses ${stage}'s ${field} past its bound, in both profiles, with the reason`, () => {
      const text = shippedConfig(stage);
      for (const profile of profiles) {
        // At the top level (the full report; the quick profile inherits it unless it overrides the field) …
        expect(configError(stage, editConfig(text, edits), profile).message).toMatch(message);
        // … and in the quick profile's overrides.
        const quick = Object.fromEntries(Object.entries(edits).map(([k, v]) => [`profiles.quick.${k}`, v]));
        expect(configError(stage, editConfig(text, quick), profile).message).toMatch(message);
      }
    });
  }
});
