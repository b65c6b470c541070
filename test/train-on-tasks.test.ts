/**
 * "Train on actual tasks" end to end on tiny budgets: real MNIST and
 * Fashion-MNIST through the CLI, a dataset taken away, and the site built
 * from the result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { readArtifact } from '../pipeline/src/artifact.ts';
import { datasetAvailable } from '../pipeline/src/datasets.ts';
import { trainOnTasks, type TrainOnTasksData } from '../pipeline/src/stages/train-on-tasks.schema.ts';
import { buildSite, quickArtifacts, root, runCli, siteWorkspace, tempDir, type Result } from './helpers.ts';

const tiny = (file: string, edits: Record<string, string>) => {
  let text = readFileSync(join(root, 'content/experiments', file), 'utf8').replace(/\nprofiles:[\s\S]*$/, '\n');
  for (const [field, value] of Object.entries(edits)) text = text.replace(new RegExp(`^${field}: .*$`, 'm'), `${field}: ${value}`);
  return text;
};
const fashionInstalled = datasetAvailable('fashion-mnist', {});

describe('1-1 train on actual tasks, tiny budget', () => {
  const configDir = tempDir();
  const artifacts = tempDir();
  const emptyDir = tempDir();
  // Fashion-MNIST taken away by pointing its lookup at an empty directory.
  const withoutFashion = { HW1_PROFILE: 'quick', HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_FASHION_MNIST_DIR: emptyDir };
  let run: Result;
  let data: TrainOnTasksData;
  // The env of a site build: this stage's tiny artifact beside every other stage's quick one.
  let site: Record<string, string>;

  let quick: string;

  beforeAll(async () => {
    const config = tiny('train-on-tasks.yaml', { trainingSamples: '1280', testSamples: '500', epochs: '2', seeds: '[1]' });
    writeFileSync(join(configDir, 'train-on-tasks.yaml'), config);
    run = runCli(['train-on-tasks'], withoutFashion);
    if (run.status !== 0) throw new Error(`stage failed:\n${run.stdout}\n${run.stderr}`);
    data = readArtifact(join(artifacts, 'train-on-tasks/artifact.json'), 'train-on-tasks', trainOnTasks.schemaVersion, trainOnTasks.dataSchema).data;
    quick = await quickArtifacts();
    const ws = siteWorkspace(quick, [{ stage: 'train-on-tasks', config, artifacts }]);
    site = { HW1_PROFILE: 'quick', HW1_CONFIG_DIR: ws.configDir, HW1_ARTIFACTS_DIR: ws.artifacts };
  });

  it('trains every CNN on MNIST: loss falls, accuracy above chance', () => {
    const mnist = data.tasks.find((t) => t.id === 'mnist')!;
    expect(mnist.missing).toBeNull();
    expect(mnist.dataset!.trainCount).toBe(60000);
    for (const m of mnist.models) {
      const [r] = m.runs;
      expect(r!.epochs).toHaveLength(2);
      expect(r!.epochs[1]!.loss, m.name).toBeLessThan(r!.epochs[0]!.loss);
      // 40 Adam steps: enough to beat chance (10%) clearly, not to converge.
      expect(r!.test!.accuracy, m.name).toBeGreaterThan(0.2);
    }
  });

  it('records the data it read in the manifest and warns about what is missing', () => {
    const { manifest } = readArtifact(join(artifacts, 'train-on-tasks/artifact.json'), 'train-on-tasks', 1, trainOnTasks.dataSchema);
    expect(manifest.data.mnist).toMatch(/^[0-9a-f]{16}$/);
    expect(manifest.data['fashion-mnist']).toBe('absent');
    expect(run.stdout).toMatch(/warning: Fashion-MNIST is not installed; its part of the report shows a notice instead/);
    expect(run.stdout).toMatch(/apt-get install dataset-fashion-mnist/);
    const fashion = data.tasks.find((t) => t.id === 'fashion-mnist')!;
    expect(fashion.missing!.message).toContain(emptyDir);
    expect(fashion.models.every((m) => m.runs.length === 0)).toBe(true);
  });

  it('builds the report with a visible notice in place of the missing task', () => {
    const out = tempDir();
    const built = buildSite(out, { ...site, HW1_FASHION_MNIST_DIR: emptyDir });
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const doc = parseHTML(readFileSync(join(out, '1-1-train-on-tasks.html'), 'utf8')).document as unknown as Document;
    const notices = [...doc.querySelectorAll('.dataset-missing')].map((n) => n.textContent ?? '');
    expect(notices.some((n) => n.includes('Fashion-MNIST is not installed') && n.includes('apt-get install dataset-fashion-mnist'))).toBe(true);
    for (const id of ['figure-c-mnist', 'figure-d-mnist']) {
      const fig = doc.getElementById(id)!;
      // The epoch axis is labelled with whole epochs, each once.
      const xTicks = [...fig.querySelectorAll('g[aria-label="x-axis tick label"] text')].map((t) => t.textContent);
      expect(xTicks).toEqual(['1', '2']);
      expect(fig.querySelector('g[aria-description="median per model"]')!.querySelectorAll('path')).toHaveLength(3);
    }
    expect(doc.getElementById('figure-c-fashion-mnist')).toBeNull();
    expect(doc.querySelector('#models-mnist')!.textContent).toMatch(/test accuracy/);
  });

  it.runIf(fashionInstalled)('refuses to build once the missing dataset is installed, naming the stage', () => {
    const built = buildSite(tempDir(), site);
    expect(built.status).not.toBe(0);
    expect(built.stdout + built.stderr).toMatch(/stale artifact for stage "train-on-tasks": dataset fashion-mnist has been installed since it was computed/);
  });
});
