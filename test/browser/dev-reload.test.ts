/**
 * A page open in Chromium under `npm run dev` reloads by itself when its data
 * change: a new artifact brings its numbers, an edited config the banner
 * that the artifact is stale. Configs and artifacts are in directories of
 * their own (HW1_CONFIG_DIR, HW1_ARTIFACTS_DIR), which the server watches too.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultHash, writeArtifact } from '../../pipeline/src/core/artifact.ts';
import { type Browser, chromiumPath, hasChromium, launchChromium } from '../../site/scripts/chromium.ts';
import { type DevServer, runCopyStage, startDevServer } from '../helpers/dev-server.ts';
import { editConfig, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';

const available = hasChromium();

describe.skipIf(!available)(`npm run dev in Chromium${available ? '' : ` (skipped: no ${chromiumPath})`}`, () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let configDir: string;
  let artifacts: string;
  const config = tinyConfig('simulate-function', { seeds: [1], epochs: 40 });
  const artifactFile = () => join(artifacts, 'simulate-function/artifact.json');

  /** Resolves when the open page has been loaded again (a marker set on the old document is gone). */
  async function reloaded(change: () => void): Promise<void> {
    await page.evaluate(() => {
      (window as { stillTheSamePage?: boolean }).stillTheSamePage = true;
    });
    change();
    await page.waitForFunction(() => !(window as { stillTheSamePage?: boolean }).stillTheSamePage, undefined, { timeout: 60_000 });
    await page.waitForLoadState('load');
  }

  const setup = async () => (await page.locator('dl.setup').first().textContent())!.replace(/\s+/g, ' ');

  beforeAll(async () => {
    const dir = await projectCopy();
    configDir = tempDir();
    artifacts = tempDir();
    writeFileSync(join(configDir, 'simulate-function.yaml'), config);
    const run = runCopyStage(dir, 'simulate-function', { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts, HW1_CORES_DIR: tempDir() });
    if (run.status !== 0) throw new Error(`simulate-function failed:\n${run.stdout}\n${run.stderr}`);
    server = await startDevServer(dir, { HW1_CONFIG_DIR: configDir, HW1_ARTIFACTS_DIR: artifacts });
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Vite's client says when its socket is up: from then on a reload reaches the page.
    const connected = page.waitForEvent('console', { predicate: (m) => m.text().includes('[vite] connected'), timeout: 120_000 });
    await page.goto(`${server.url}/1-1-simulate-function`, { waitUntil: 'load', timeout: 120_000 });
    await connected;
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows the artifact, with no banner', async () => {
    expect(await setup()).toContain('learning rate 0.003');
    expect(await page.locator('.stale-banner').count()).toBe(0);
  });

  it('reloads by itself when the artifact is replaced, and shows its numbers', async () => {
    await reloaded(() => {
      const artifact = JSON.parse(readFileSync(artifactFile(), 'utf8'));
      artifact.data.training.learningRate = 0.000123;
      artifact.manifest.dataHash = resultHash(artifact.data);
      writeArtifact(artifactFile(), artifact);
    });
    expect(await setup()).toContain('learning rate 0.000123');
  });

  it('reloads by itself when the config changes, and says the artifact is stale and how to update it', async () => {
    await reloaded(() => writeFileSync(join(configDir, 'simulate-function.yaml'), editConfig(config, { epochs: 41 })));
    const item = page.locator('.stale-banner li[data-stage="simulate-function"]');
    expect(await item.getAttribute('data-reason')).toBe('config');
    // Moved directories are refused under turbo: the banner names the stage run that uses them.
    expect(await item.locator('code.command').allTextContents()).toEqual([
      `HW1_ARTIFACTS_DIR=${artifacts} HW1_CONFIG_DIR=${configDir} npm run stage -- simulate-function`,
    ]);
    expect(await setup()).toContain('learning rate 0.000123');
  });
});
