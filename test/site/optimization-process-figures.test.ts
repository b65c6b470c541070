/**
 * The figure functions of the 1-2 page (site/src/stages/optimization-process.ts)
 * on a tiny real artifact: every figure drawn with its marks and captions, a
 * diverged run left out with a notice, and every run diverging survived.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../../pipeline/src/core/artifact.ts';
import { type OptimizationProcessData, spec as optimizationProcess } from '../../pipeline/src/stages/optimization-process/spec.ts';
import { gradientNormFigure, surfaceFigure, trajectoryFigure } from '../../site/src/stages/optimization-process.ts';
import { runCli, tempDir, tinyConfig } from '../helpers/helpers.ts';

describe('optimization-process figures', () => {
  const configDir = tempDir();
  let data: OptimizationProcessData;
  beforeAll(() => {
    const config = tinyConfig('optimization-process', {
      seeds: [1, 2],
      trainingPoints: 64,
      batchSize: 32,
      epochs: 6,
      hidden: [6, 6],
      layer: 2,
      'surface.resolution': 5,
    });
    writeFileSync(join(configDir, 'optimization-process.yaml'), config);
    const artifacts = tempDir();
    const r = runCli(['optimization-process'], { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts });
    if (r.status !== 0) throw new Error(`stage failed:\n${r.stdout}\n${r.stderr}`);
    data = readArtifact(
      join(artifacts, 'optimization-process/artifact.json'),
      'optimization-process',
      optimizationProcess.schemaVersion,
      optimizationProcess.dataSchema,
    ).data;
  });
  const diverge = (d: OptimizationProcessData, seeds: number[]): OptimizationProcessData => ({
    ...d,
    pca: seeds.length === d.runs.length ? { model: null, layer: null } : d.pca,
    surface: seeds.length === d.runs.length ? null : d.surface,
    runs: d.runs.map((r) =>
      seeds.includes(r.seed) ? { ...r, diverged: { epoch: 2, iteration: 3, value: 'NaN' as const }, finalLoss: null, model: null, layer: null } : r,
    ),
  });
  const drawn = (svg: string, description: string) => (svg.match(new RegExp(`aria-description="${description}"`, 'g')) ?? []).length;

  it('draws every figure with its marks and captions', () => {
    const e = trajectoryFigure(data, 'layer');
    expect(drawn(e.svg, 'trajectory per run')).toBe(1);
    expect(e.caption).toMatch(/layer 2 \(W2, b2: 42 parameters\).*PC1 explains \d+\.\d% of the variance, PC2 \d+\.\d%/);
    expect(trajectoryFigure(data, 'model').caption).toMatch(/the whole model \(61 parameters\)/);
    const g = gradientNormFigure(data);
    expect(drawn(g.svg, 'median over runs')).toBe(2);
    expect(g.svg.match(/<svg/g)!.length).toBeGreaterThanOrEqual(2);
    const s = surfaceFigure(data);
    expect(drawn(s.svg, 'loss contours')).toBe(1);
    expect(drawn(s.svg, 'trajectory')).toBe(1);
    expect([e, g, s].every((f) => f.notes.length === 0)).toBe(true);
  });

  it('leaves a diverged run out with a notice, and survives every run diverging', () => {
    const one = diverge(data, [2]);
    for (const f of [trajectoryFigure(one, 'layer'), trajectoryFigure(one, 'model'), gradientNormFigure(one), surfaceFigure(one)]) {
      expect(f.notes).toEqual(['Diverged and not drawn: seed 2, NaN at epoch 2 (step 3).']);
      expect(f.svg).not.toContain('seed 2');
    }
    const all = diverge(data, [1, 2]);
    for (const f of [trajectoryFigure(all, 'layer'), gradientNormFigure(all), surfaceFigure(all)]) {
      expect(f.svg).toBe('');
      expect(f.notes.at(-1)).toMatch(/^Every run diverged/);
    }
  });
});
