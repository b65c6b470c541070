/**
 * The 1-1 "Train on actual tasks" page built from a tiny real run without
 * Fashion-MNIST (and every other stage's quick artifact): a visible notice in
 * place of the missing task and whole epochs on the axes. That the artifact is
 * stale once the dataset is installed is test/unit/current-artifact.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite, quickArtifacts, runStageWith, siteWorkspace, tempDir } from '../helpers/helpers.ts';
import { tinyTrainOnTasks } from '../helpers/tiny-configs.ts';

describe('1-1 train on actual tasks, tiny budget, Fashion-MNIST missing', () => {
  // Fashion-MNIST taken away by pointing its lookup at an empty directory.
  const emptyDir = tempDir();
  // The env of a site build: this stage's tiny artifact beside every other stage's quick one.
  let site: Record<string, string>;

  beforeAll(async () => {
    const { artifacts } = runStageWith('train-on-tasks', tinyTrainOnTasks, { HW1_PROFILE: 'quick', HW1_FASHION_MNIST_DIR: emptyDir });
    const ws = siteWorkspace(await quickArtifacts(), [{ stage: 'train-on-tasks', config: tinyTrainOnTasks, artifacts }]);
    site = { HW1_PROFILE: 'quick', HW1_CONFIG_DIR: ws.configDir, HW1_ARTIFACTS_DIR: ws.artifacts };
  }, 900_000);

  it('builds the report with a visible notice in place of the missing task', () => {
    const out = tempDir();
    const built = buildSite(out, { ...site, HW1_FASHION_MNIST_DIR: emptyDir });
    expect(built.status, built.stdout + built.stderr).toBe(0);
    const doc = parseHTML(readFileSync(join(out, '1-1-train-on-tasks.html'), 'utf8')).document as unknown as Document;
    const notices = [...doc.querySelectorAll('.dataset-missing')].map((n) => (n.textContent ?? '').replace(/\s+/g, ' '));
    const fashion = notices.filter((n) => n.includes('Fashion-MNIST is not installed'));
    // Said in full once, with the command that fetches it, and in one line under the next figure of that dataset.
    expect(fashion).toHaveLength(2);
    expect(fashion[0]).toContain('npm run datasets -- fetch fashion-mnist');
    expect(fashion[0]).toContain('apt-get install dataset-fashion-mnist');
    expect(fashion[1]).toBe('Figure D.2: Fashion-MNIST is not installed; how to install it is under Figure C.2 above.');
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
});
