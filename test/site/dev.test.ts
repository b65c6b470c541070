/**
 * `npm run dev` follows the data: in a scratch copy of the project (its own
 * cache/artifacts and content/experiments, as a user has them), a page whose
 * stage has no artifact shows a banner with the command instead of a stack
 * trace; the command the banner names really computes it; a replaced artifact
 * shows its numbers on the next request; an edited config marks the artifact
 * stale, and the page says so while it keeps showing the last one.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultHash, writeArtifact } from '../../pipeline/src/core/artifact.ts';
import { copyEnv, type DevServer, eventually, startDevServer } from '../helpers/dev-server.ts';
import { editConfig, tempDir, tinyConfig } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';

const PAGE = '/1-1-simulate-function';

/** The page's banner entries: stage, reason and the commands it names; and whether Astro's error page came instead. */
function read(html: string) {
  const { document } = parseHTML(html);
  const items = [...document.querySelectorAll('.stale-banner li')].map((li) => ({
    stage: li.getAttribute('data-stage'),
    reason: li.getAttribute('data-reason'),
    text: li.textContent!.replace(/\s+/g, ' '),
    commands: [...li.querySelectorAll('code.command')].map((c) => c.textContent!),
  }));
  const setup = document.querySelector('dl.setup')?.textContent?.replace(/\s+/g, ' ') ?? '';
  return { items, setup, text: document.body?.textContent ?? '' };
}

describe('npm run dev, with the data of the checkout', () => {
  let dir: string;
  let server: DevServer;
  let config: string;
  const artifactFile = () => join(dir, 'cache/artifacts/simulate-function/artifact.json');

  beforeAll(async () => {
    dir = await projectCopy();
    // A few seconds of training: one seed, few epochs, every function the page draws.
    config = tinyConfig('simulate-function', { seeds: [1], epochs: 40 });
    writeFileSync(join(dir, 'content/experiments/simulate-function.yaml'), config);
    server = await startDevServer(dir);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('shows a page whose stage has no artifact: a banner naming the stage and the commands, no stack trace', async () => {
    const r = await server.get(PAGE);
    expect(r.status, server.log()).toBe(200);
    const page = read(r.html);
    expect(page.items).toEqual([
      expect.objectContaining({
        stage: 'simulate-function',
        reason: 'missing',
        commands: ['npx turbo run stage:simulate-function', 'npx turbo run report'],
      }),
    ]);
    expect(page.items[0]!.text).toContain('no cache/artifacts/simulate-function/artifact.json');
    expect(page.text).toContain('Figure A.1: not computed yet');
    expect(r.html).not.toMatch(/Stack trace|\n\s+at \S+ \(/);
  });

  it('the banner’s command computes the artifact, and the page then shows it, without a banner', async () => {
    const [command] = read((await server.get(PAGE)).html).items[0]!.commands;
    const run = spawnSync('sh', ['-c', command!], { cwd: dir, env: copyEnv(dir, { HW1_CORES_DIR: tempDir() }), encoding: 'utf8', timeout: 300_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const page = read((await server.get(PAGE)).html);
    expect(page.items).toEqual([]);
    expect(page.setup).toContain('learning rate 0.003');
    // The watcher saw it too (the directory did not exist when the server started): open pages reload.
    await eventually('the dev server to report the new artifact', async () =>
      server.log().includes('data changed (cache/artifacts/simulate-function/artifact.json)') ? true : undefined,
    );
  });

  it('shows the numbers of an artifact replaced under it on the next request', async () => {
    const artifact = JSON.parse(readFileSync(artifactFile(), 'utf8'));
    artifact.data.training.learningRate = 0.000123;
    artifact.manifest.dataHash = resultHash(artifact.data);
    writeArtifact(artifactFile(), artifact);
    const page = read((await server.get(PAGE)).html);
    expect(page.setup).toContain('learning rate 0.000123');
    expect(page.items).toEqual([]);
  });

  it('marks the artifact stale when its config changes, names the stage and the command, and keeps showing the last one', async () => {
    writeFileSync(join(dir, 'content/experiments/simulate-function.yaml'), editConfig(config, { epochs: 41 }));
    const page = read((await server.get(PAGE)).html);
    expect(page.items).toEqual([
      expect.objectContaining({
        stage: 'simulate-function',
        reason: 'config',
        commands: ['npx turbo run stage:simulate-function', 'npx turbo run report'],
      }),
    ]);
    expect(page.items[0]!.text).toContain('its config (content/experiments/simulate-function.yaml) changed since it was computed');
    expect(page.setup).toContain('learning rate 0.000123');
    // The front page reads every stage: it names this one too, and the seven with no artifact.
    const front = read((await server.get('/')).html);
    expect(front.items.map((i) => `${i.stage}:${i.reason}`)).toContain('simulate-function:config');
    expect(front.items.filter((i) => i.reason === 'missing')).toHaveLength(7);
  });

  it('says a config that does not validate is invalid, and still shows the page', async () => {
    writeFileSync(join(dir, 'content/experiments/simulate-function.yaml'), editConfig(config, { epochs: 'many' }));
    const r = await server.get(PAGE);
    expect(r.status).toBe(200);
    const page = read(r.html);
    expect(page.items).toEqual([expect.objectContaining({ stage: 'simulate-function', reason: 'invalid-config' })]);
    expect(page.items[0]!.text).toMatch(/simulate-function\.yaml:\d+: epochs: /);
    expect(page.setup).toContain('learning rate 0.000123');
  });

  it('is current again once the config is back as the artifact was computed', async () => {
    writeFileSync(join(dir, 'content/experiments/simulate-function.yaml'), config);
    expect(read((await server.get(PAGE)).html).items).toEqual([]);
  });
});

describe('npm run dev, and what it must not serve', () => {
  it('refuses cache/ (the remote cache’s token, artifacts, locks) while serving the pages', async () => {
    const dir = await projectCopy();
    mkdirSync(join(dir, 'cache/remote'), { recursive: true });
    writeFileSync(join(dir, 'cache/remote/.token'), 'the-writers-token');
    const server = await startDevServer(dir);
    try {
      for (const path of [`/@fs${dir}/cache/remote/.token`, `/@fs${dir}/cache/remote/.token?raw`, `/@fs${dir}/cache/remote/.token?import`]) {
        const r = await server.get(path);
        expect(r.status, path).toBe(403);
        expect(r.html).not.toContain('the-writers-token');
      }
      expect((await server.get('/')).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 300_000);
});
