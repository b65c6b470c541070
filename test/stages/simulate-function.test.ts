/**
 * The simulate-function stage as a user runs it: the quick profile through
 * the CLI (progress lines, manifest, every run training), the same data on
 * one worker thread as on two, and diverging runs reported.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { median } from '../../pipeline/src/core/stats.ts';
import { loadAddon } from '../../pipeline/src/native/addon.ts';
import { type SimulateFunctionData, spec as simulateFunction } from '../../pipeline/src/stages/simulate-function/spec.ts';
import { type Result, readStageArtifact, runCli, runStageWith, shippedFields, tempDir, tinyConfig } from '../helpers/helpers.ts';

// What a stage picks by itself here: the native kernels where the install built them.
const defaultBackend = loadAddon().addon ? 'wasm+onednn' : 'wasm';

const read = (dir: string) => readStageArtifact(dir, simulateFunction);

describe('simulate-function, quick profile', () => {
  const fields = shippedFields('simulate-function');
  const quick = { ...fields, ...fields.profiles?.quick };
  const artifacts = tempDir();
  let run: Result;
  let data: SimulateFunctionData;

  beforeAll(() => {
    run = runCli(['simulate-function'], { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: artifacts });
    if (run.status !== 0) throw new Error(`stage failed:\n${run.stdout}\n${run.stderr}`);
    data = read(artifacts).data;
  });

  it('logs the backend and per-ensemble progress with an ETA, without control sequences in a pipe', () => {
    const runs = quick.functions.length * quick.seeds.length;
    const ensembles = quick.models.length;
    expect(run.stdout).toContain(`[simulate-function] backend ${defaultBackend}: WebAssembly`);
    // Run by hand, a stage says that turbo's cache will not know of it.
    expect(run.stdout).toContain(
      "[simulate-function] outside turbo's cache (the next report trains it again); `npx turbo run stage:simulate-function` caches it",
    );
    expect(run.stdout).toContain(`${ensembles} ensembles on `);
    expect(run.stdout).toContain(
      `ensemble 1/${ensembles} ${quick.models[0].name} (${runs} runs: ${quick.functions.join(', ')} × ${quick.seeds.length} seeds): ${runs} runs, ${quick.epochs} epochs, training loss median `,
    );
    expect(run.stdout).toMatch(/ensemble \d\/\d+ .*: \d+ runs, \d+ epochs, training loss median \S+ \(.*\), grid loss median \S+ {2}\((ETA|[\d.]+ s in all)/);
    expect(run.stdout).toMatch(/done in .*: wrote /);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: a pipe must carry no carriage return or escape sequence
    expect(run.stdout).not.toMatch(/[\r\x1b]/);
  });

  it('writes a valid artifact with its manifest', () => {
    const { manifest } = read(artifacts);
    expect(manifest.stage).toBe('simulate-function');
    expect(manifest.profile).toBe('quick');
    expect(manifest.backend.name).toBe(defaultBackend);
    expect(manifest.seeds).toEqual(quick.seeds);
    expect(manifest.versions['@tensorflow/tfjs']).toBe('4.22.0');
    expect(data.functions.map((f) => f.id)).toEqual(quick.functions);
    for (const f of data.functions) {
      expect(f.results).toHaveLength(quick.models.length);
      expect(f.grid.x).toHaveLength(data.training.gridPoints);
      expect(f.grid.y[0]).toBe(f.id === 'sinc' ? 1 : f.grid.y[0]);
      for (const r of f.results) for (const x of r.runs) expect(x.prediction).toHaveLength(data.training.gridPoints);
    }
  });

  it('trains: every run ends well below its starting loss', () => {
    for (const f of data.functions) {
      for (const r of f.results) {
        for (const x of r.runs) {
          expect(x.diverged).toBeNull();
          expect(x.losses).toHaveLength(data.training.epochs);
          expect(x.finalLoss!, `${f.id} ${r.model} seed ${x.seed}`).toBeLessThan(x.losses[0]! * 0.9);
        }
        const first = median(r.runs.map((x) => x.losses[0]!));
        const last = median(r.runs.map((x) => x.finalLoss!));
        expect(last).toBeLessThan(first);
      }
    }
  });
});

describe('simulate-function, small configs', () => {
  it('gives the same data for the same config, whatever the number of worker threads', () => {
    const config = tinyConfig('simulate-function', { seeds: [7], epochs: 25 });
    const [one, two] = (['1', '2'] as const).map((workers) => {
      const { artifacts, run } = runStageWith('simulate-function', config, { HW1_BACKEND: 'wasm', HW1_WORKERS: workers });
      expect(run.stdout).toMatch(new RegExp(`\\d+ ensembles on ${workers} worker thread${workers === '1' ? '' : 's'}\\n`));
      return read(artifacts);
    });
    expect(one!.data).toEqual(two!.data);
    expect(one!.manifest.configHash).toBe(two!.manifest.configHash);
  });

  it('reports diverging runs: a warning each, no prediction', () => {
    const config = tinyConfig('simulate-function', { seeds: [1], epochs: 20, learningRate: 1000000 });
    const { artifacts, run } = runStageWith('simulate-function', config, { HW1_PROFILE: 'quick' });
    expect(run.stdout).toMatch(/(\d+|all \d+ runs) DIVERGED/);
    expect(run.stdout).toMatch(/warning: .* diverged at epoch \d+; it is reported, not drawn/);
    const { data } = read(artifacts);
    const diverged = data.functions.flatMap((f) => f.results.flatMap((m) => m.runs.filter((x) => x.diverged).map(() => `${f.id}/${m.model}`)));
    expect(diverged.length).toBeGreaterThan(0);
    for (const f of data.functions) for (const m of f.results) for (const x of m.runs) if (x.diverged) expect(x.prediction).toBeNull();
  });
});
