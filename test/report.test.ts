/**
 * The whole path as a user runs it: the quick profile of the stage through the
 * CLI, then the site built from its artifact (and the other stages' quick ones).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../pipeline/src/artifact.ts';
import { simulateFunction, type SimulateFunctionData } from '../pipeline/src/stages/simulate-function.schema.ts';
import { buildSite, quickArtifacts, root, runCli, siteWorkspace, tempDir, type Result } from './helpers.ts';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const configText = readFileSync(join(root, 'content/experiments/simulate-function.yaml'), 'utf8');

// Every other stage's quick artifact, for the site builds below.
let quick: string;
beforeAll(async () => {
  quick = await quickArtifacts();
});

function read(dir: string) {
  return readArtifact(join(dir, 'simulate-function/artifact.json'), 'simulate-function', simulateFunction.schemaVersion, simulateFunction.dataSchema);
}

function page(out: string): Document {
  return parseHTML(readFileSync(join(out, '1-1-simulate-function.html'), 'utf8')).document as unknown as Document;
}

/** Paths drawn by the mark whose group carries this aria-description. */
function marks(figure: Element, description: string): number {
  const group = figure.querySelector(`g[aria-description="${description}"]`);
  return group ? group.querySelectorAll('path').length : 0;
}

describe('1-1 simulate a function, quick profile', () => {
  const artifacts = tempDir();
  const out = tempDir();
  let ws: { configDir: string; artifacts: string };
  let run: Result;
  let data: SimulateFunctionData;
  let site: Result;

  beforeAll(() => {
    run = runCli(['simulate-function'], { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: artifacts });
    if (run.status !== 0) throw new Error(`stage failed:\n${run.stdout}\n${run.stderr}`);
    data = read(artifacts).data;
    ws = siteWorkspace(quick, [{ stage: 'simulate-function', config: configText, artifacts }]);
    site = buildSite(out, { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir });
  });

  it('logs the backend and per-run progress with an ETA, without control sequences in a pipe', () => {
    expect(run.stdout).toMatch(/\[simulate-function\] backend wasm: WebAssembly/);
    expect(run.stdout).toMatch(/run 1\/24 sinc · shallow · seed 1: 600 epochs, training loss \S+, grid loss \S+ {2}\(ETA /);
    expect(run.stdout).toMatch(/done in .*: wrote /);
    expect(run.stdout).not.toMatch(/[\r\x1b]/);
  });

  it('writes a valid artifact with its manifest', () => {
    const { manifest } = read(artifacts);
    expect(manifest.stage).toBe('simulate-function');
    expect(manifest.profile).toBe('quick');
    expect(manifest.backend.name).toBe('wasm');
    expect(manifest.seeds).toEqual([1, 2]);
    expect(manifest.versions['@tensorflow/tfjs']).toBe('4.22.0');
    expect(data.functions.map((f) => f.id)).toEqual(['sinc', 'sign', 'damped-cosine']);
    for (const f of data.functions) {
      expect(f.results).toHaveLength(4);
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

  it('builds the site', () => {
    expect(site.status, site.stderr + site.stdout).toBe(0);
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
    const best = sinc.results
      .map((r) => ({ model: r.model, loss: median(r.runs.map((x) => x.finalLoss!)) }))
      .sort((a, b) => a.loss - b.loss)[0]!;
    expect(text).toContain(`the lowest final training loss belongs to ${best.model} (`);
    expect(text).toContain(`profile quick, backend wasm`);
  });

  it('builds section 1-2 from the quick artifacts: Figures E, F, G, H and the error surface, each with marks', () => {
    const doc = parseHTML(readFileSync(join(out, '1-2-optimization.html'), 'utf8')).document as unknown as Document;
    for (const id of ['figure-trajectory-layer', 'figure-trajectory-model', 'figure-gradient-norm', 'figure-h', 'figure-error-surface']) {
      const figure = doc.getElementById(id);
      expect(figure, id).toBeTruthy();
      expect(figure!.querySelectorAll('svg').length, id).toBeGreaterThan(0);
      expect(figure!.querySelectorAll('path, circle').length, id).toBeGreaterThan(3);
    }
    // Prose numbers come from the artifact, e.g. how many runs reached the gradient threshold.
    // (‖∇L‖ is typeset by KaTeX, so its text appears in more than one form.)
    expect(doc.querySelector('article')!.textContent).toMatch(/Of \d+ runs, \d+ brought [^.]*∇L[^.]* below the\s+threshold/);
  });

  it('refuses to build from an artifact whose config has changed, naming the stage', () => {
    const changed = siteWorkspace(quick, [{ stage: 'simulate-function', config: configText.replace('    epochs: 600', '    epochs: 601'), artifacts }]);
    const r = buildSite(tempDir(), { HW1_PROFILE: 'quick', HW1_ARTIFACTS_DIR: changed.artifacts, HW1_CONFIG_DIR: changed.configDir });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/stale artifact for stage "simulate-function": .*simulate-function\.yaml changed since it was computed/);
  });

  it('refuses to build the full report from a quick artifact', () => {
    const r = buildSite(tempDir(), { HW1_PROFILE: 'full', HW1_ARTIFACTS_DIR: ws.artifacts, HW1_CONFIG_DIR: ws.configDir });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/computed with profile "quick", the report is built with "full"/);
  });
});

describe('1-1 simulate a function, small configs', () => {
  function tiny(edit: (text: string) => string): string {
    const dir = tempDir();
    writeFileSync(join(dir, 'simulate-function.yaml'), edit(configText.replace(/\nprofiles:[\s\S]*$/, '\n')));
    return dir;
  }

  it('gives the same data for the same config, whatever the number of worker threads', () => {
    const configDir = tiny((t) => t.replace('seeds: [1, 2, 3, 4, 5]', 'seeds: [7]').replace('epochs: 6000', 'epochs: 25'));
    const [a, b] = [tempDir(), tempDir()];
    for (const [dir, workers] of [[a, '1'], [b, '2']] as const) {
      const r = runCli(['simulate-function'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: dir, HW1_BACKEND: 'wasm', HW1_WORKERS: workers });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`${workers} worker thread${workers === '1' ? '' : 's'} for independent runs`);
    }
    expect(read(a).data).toEqual(read(b).data);
    expect(read(a).manifest.configHash).toBe(read(b).manifest.configHash);
  });

  it('reports diverging runs and never draws them', () => {
    const configDir = tiny((t) => t.replace('seeds: [1, 2, 3, 4, 5]', 'seeds: [1]').replace('epochs: 6000', 'epochs: 20').replace('learningRate: 0.003', 'learningRate: 1000000'));
    const artifacts = tempDir();
    const r = runCli(['simulate-function'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_PROFILE: 'quick' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/DIVERGED at epoch \d+ \(loss (NaN|Infinity)\)/);
    expect(r.stdout).toMatch(/warning: .* diverged at epoch \d+; it is reported, not drawn/);
    const { data } = read(artifacts);
    const diverged = data.functions.flatMap((f) => f.results.flatMap((m) => m.runs.filter((x) => x.diverged).map(() => `${f.id}/${m.model}`)));
    expect(diverged.length).toBeGreaterThan(0);
    for (const f of data.functions) for (const m of f.results) for (const x of m.runs) if (x.diverged) expect(x.prediction).toBeNull();

    const out = tempDir();
    const ws = siteWorkspace(quick, [{ stage: 'simulate-function', config: readFileSync(join(configDir, 'simulate-function.yaml'), 'utf8'), artifacts }]);
    const site = buildSite(out, { HW1_CONFIG_DIR: ws.configDir, HW1_ARTIFACTS_DIR: ws.artifacts, HW1_PROFILE: 'quick' });
    expect(site.status, site.stderr + site.stdout).toBe(0);
    const doc = page(out);
    for (const f of data.functions) {
      const drawn = f.results.filter((m) => m.runs.some((x) => !x.diverged)).length;
      const a = doc.getElementById(`figure-a-${f.id}`)!;
      expect(marks(a, 'median per model')).toBe(drawn);
      const notices = [...a.querySelectorAll('.notice')].map((n) => n.textContent);
      const expected = f.results.flatMap((m) => m.runs.filter((x) => x.diverged).map((x) => `Diverged and not drawn: ${m.model}, seed ${x.seed}, loss ${x.diverged!.value} at epoch ${x.diverged!.epoch}.`));
      expect(notices).toEqual(expected);
    }
  });
});
