/**
 * The 1-1 "Simulate a function" page of the quick report: Figures A and B,
 * the model table and numbers quoted from the artifact, and the build
 * refusing an artifact of another config. Diverged runs in Figure A are
 * tested on the view (simulate-function-figures.test.ts), the other stale
 * artifacts on the pipeline's check (test/unit/current-artifact.test.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { median } from '../../pipeline/src/core/stats.ts';
import { type SimulateFunctionData, spec as simulateFunction } from '../../pipeline/src/stages/simulate-function/spec.ts';
import {
  buildSite,
  editConfig,
  quickArtifacts,
  quickSite,
  readStageArtifact,
  shippedConfig,
  shippedFields,
  siteWorkspace,
  tempDir,
} from '../helpers/helpers.ts';

const configText = shippedConfig('simulate-function');

function page(out: string): Document {
  return parseHTML(readFileSync(join(out, '1-1-simulate-function.html'), 'utf8')).document as unknown as Document;
}

/** Paths drawn by the mark whose group carries this aria-description. */
function marks(figure: Element, description: string): number {
  const group = figure.querySelector(`g[aria-description="${description}"]`);
  return group ? group.querySelectorAll('path').length : 0;
}

describe('1-1 simulate a function, quick profile', () => {
  let quick: string;
  let out: string;
  let data: SimulateFunctionData;

  beforeAll(async () => {
    quick = await quickArtifacts();
    out = await quickSite();
    data = readStageArtifact(quick, simulateFunction).data;
  }, 900_000);

  it('builds the site', () => {
    expect(existsSync(join(out, '1-1-simulate-function.html'))).toBe(true);
  });

  it('draws Figures A and B for every function, one line per model', () => {
    const doc = page(out);
    for (const f of data.functions) {
      const a = doc.getElementById(`figure-a-${f.id}`)!;
      const b = doc.getElementById(`figure-b-${f.id}`)!;
      expect(a, `figure A for ${f.id}`).toBeTruthy();
      expect(b, `figure B for ${f.id}`).toBeTruthy();
      expect(a.querySelector('svg')).toBeTruthy();
      expect(marks(a, 'median per model')).toBe(data.models.length);
      expect(marks(a, 'range over seeds')).toBe(data.models.length);
      expect(marks(b, 'mean prediction per model')).toBe(data.models.length);
      expect(marks(b, 'ground truth')).toBe(1);
      expect(marks(b, 'prediction of each seed')).toBe(data.models.length * data.training.seeds.length);
      // The log-scale loss axis and the legend name every model.
      for (const m of data.models) expect(a.textContent).toContain(m.name);
    }
  });

  it('generates the model table and quotes numbers from the artifact', () => {
    const doc = page(out);
    const table = doc.querySelector('table.models')!;
    for (const m of data.models) {
      const row = [...table.querySelectorAll('tbody > tr')].find((tr) => tr.querySelector('th')?.textContent === m.name)!;
      expect(row.textContent).toContain(String(m.parameters));
    }
    const text = doc.querySelector('article')!.textContent!.replace(/\s+/g, ' ');
    const sinc = data.functions.find((f) => f.id === 'sinc')!;
    const best = sinc.results.map((r) => ({ model: r.model, loss: median(r.runs.map((x) => x.finalLoss!)) })).sort((a, b) => a.loss - b.loss)[0]!;
    expect(text).toContain(`the lowest median final training loss belongs to ${best.model} (`);
    expect(text).toContain(`profile quick, backend wasm`);
  });

  it('refuses to build from an artifact whose config has changed, naming the stage', () => {
    const fields = shippedFields('simulate-function');
    const epochs = (fields.profiles?.quick?.epochs ?? fields.epochs) as number;
    const changed = siteWorkspace(quick, [
      { stage: 'simulate-function', config: editConfig(configText, { 'profiles.quick.epochs': epochs + 1 }), artifacts: quick },
    ]);
    const r = buildSite(tempDir(), { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: changed.artifacts, HW1_CONFIG_DIR: changed.configDir });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/stale artifact for stage "simulate-function": .*simulate-function\.yaml changed since it was computed/);
  });
});
