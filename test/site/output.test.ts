/**
 * Building the report never loses one: a broken page or a tampered artifact
 * fails the build and leaves the last good report as it was; an output
 * directory with someone else's files is refused, not emptied; two builds at
 * once take turns. In a scratch copy of the project, from the quick artifacts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickArtifacts, runAsync, tempDir } from '../helpers/helpers.ts';
import { projectCopy } from '../helpers/project-copy.ts';

interface Build {
  status: number | null;
  stdout: string;
  stderr: string;
}

describe('the report’s output directory', () => {
  let dir: string;
  let dist: string;
  const env = (extra: NodeJS.ProcessEnv = {}) => {
    const e: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: 'quick', ...extra };
    for (const k of ['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR', 'HW1_SITE_OUT', 'TURBO_HASH']) if (!(k in extra)) delete e[k];
    return e;
  };
  const build = (extra: NodeJS.ProcessEnv = {}): Build => {
    const r = spawnSync(process.execPath, [join(dir, 'site/scripts/build.ts')], { cwd: join(dir, 'site'), env: env(extra), encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const buildAsync = (): Promise<Build> => runAsync(join(dir, 'site/scripts/build.ts'), [], { cwd: join(dir, 'site'), env: env() });
  const leftovers = () => readdirSync(join(dir, 'site')).filter((n) => /^dist\.(partial|old)-/.test(n));

  let first: Build;
  let index: string;
  beforeAll(async () => {
    const quick = await quickArtifacts();
    dir = await projectCopy();
    cpSync(quick, join(dir, 'cache/artifacts'), { recursive: true });
    dist = join(dir, 'site/dist');
    first = build();
    index = readFileSync(join(dist, 'index.html'), 'utf8');
  }, 600_000);

  it('is built whole, with the marker that lets the next build replace it', () => {
    expect(first.status, first.stderr).toBe(0);
    // The last line says where the report is and how to open it; no warning from Vite on the way.
    expect(first.stderr.trimEnd().split('\n').at(-1)).toBe(
      'report: site/dist/index.html: open it in a browser (it works from disk), or serve it with `npm run preview`',
    );
    expect(first.stdout + first.stderr).not.toMatch(/MODULE_LEVEL_DIRECTIVE|\[WARN\]/);
    expect(JSON.parse(readFileSync(join(dist, '.hw1-output.json'), 'utf8'))).toMatchObject({ builtBy: 'hw1-report', what: 'report' });
    expect(existsSync(join(dist, '1-3-generalization.html'))).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('keeps the last good report when a page is broken', () => {
    const page = join(dir, 'content/report/1-2-optimization.mdx');
    const text = readFileSync(page, 'utf8');
    appendFileSync(page, '\n<div>\n\nAn unclosed tag.\n');
    try {
      const r = build();
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/1-2-optimization\.mdx/);
      expect(r.stderr).toMatch(/astro build failed .*the previous report, if any, is unchanged/);
    } finally {
      writeFileSync(page, text);
    }
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe(index);
    expect(existsSync(join(dist, '.hw1-output.json'))).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('keeps the last good report when a page’s prose is broken (a value alone on its line splits a sentence)', () => {
    const page = join(dir, 'content/report/1-2-optimization.mdx');
    const text = readFileSync(page, 'utf8');
    appendFileSync(page, '\nThe minimal ratio\n<Value stage="minimal-ratio" fact="ratioOne" />\n(of all runs) is what the figure shows.\n');
    try {
      const r = build();
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/broken prose in the report .*the previous report, if any, is unchanged/);
      expect(r.stderr).toMatch(/1-2-optimization\.html: a value outside any sentence/);
      expect(r.stderr).toMatch(/1-2-optimization\.html: a sentence split across paragraphs .*"\(of all runs\) is what the figure shows\."/);
    } finally {
      writeFileSync(page, text);
    }
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe(index);
    expect(leftovers()).toEqual([]);
  });

  it('keeps the last good report, and names the stage and the command, when an artifact was tampered with', () => {
    const file = join(dir, 'cache/artifacts/minimal-ratio/artifact.json');
    const text = readFileSync(file, 'utf8');
    const artifact = JSON.parse(text);
    artifact.data.runs[0].minimalRatio = artifact.data.runs[0].minimalRatio === 1 ? 0.5 : 1;
    writeFileSync(file, JSON.stringify(artifact));
    try {
      const r = build();
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(
        /tampered or damaged artifact for stage "minimal-ratio".*`HW1_PROFILE=quick npx turbo run stage:minimal-ratio --force`/,
      );
    } finally {
      writeFileSync(file, text);
    }
    expect(readFileSync(join(dist, 'index.html'), 'utf8')).toBe(index);
  });

  it('refuses a directory holding files it did not write, and the checkout itself, changing nothing', () => {
    const foreign = tempDir();
    writeFileSync(join(foreign, 'thesis.tex'), 'years of work');
    const r = build({ HW1_SITE_OUT: foreign });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to build into HW1_SITE_OUT=.* holds files this project did not write there \(thesis\.tex\)/);
    expect(readdirSync(foreign)).toEqual(['thesis.tex']);
    expect(readFileSync(join(foreign, 'thesis.tex'), 'utf8')).toBe('years of work');
    for (const out of ['.', '..', 'site']) {
      const refused = build({ HW1_SITE_OUT: out });
      expect(refused.status, out).toBe(2);
      expect(refused.stderr).toMatch(/refusing to build into/);
    }
    expect(existsSync(join(dir, 'pipeline/src/core/paths.ts'))).toBe(true);
  });

  it('lets two builds at once take turns, and ends with a whole report', async () => {
    // The second starts once the first holds the build lock, so it must wait its turn.
    const firstBuild = buildAsync();
    const lock = join(dir, 'cache/locks/site-build.lock');
    for (let i = 0; i < 1200 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 100));
    const results = await Promise.all([firstBuild, buildAsync()]);
    expect(results.map((r) => r.status)).toEqual([0, 0]);
    expect(results.some((r) => /waiting: another report build is running in this checkout \(pid \d+, lock .*\.lock\)/.test(r.stderr))).toBe(true);
    expect(existsSync(join(dist, '.hw1-output.json'))).toBe(true);
    expect(readdirSync(dist)).toEqual(expect.arrayContaining(['index.html', 'print.html', '1-1-simulate-function.html']));
    expect(leftovers()).toEqual([]);
  });
});

describe('npm run preview', () => {
  const preview = (args: string[], env: NodeJS.ProcessEnv) =>
    spawn(process.execPath, [join(import.meta.dirname, '../../site/scripts/preview.ts'), ...args], { env: { ...process.env, ...env } });
  const children: ReturnType<typeof spawn>[] = [];
  afterAll(() => {
    for (const c of children) c.kill();
  });

  it('serves a built report on 127.0.0.1 until stopped', async () => {
    const site = tempDir();
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>the report</title>');
    const child = preview(['--port', '0'], { HW1_SITE_OUT: site });
    children.push(child);
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout!.once('data', (d: Buffer) => resolve(d.toString()));
      child.once('close', (code) => reject(new Error(`preview exited with ${code}`)));
    });
    const url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)![1]!;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>the report</title>');
    const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
  });

  it('says how to build the report when there is none, and refuses a bad port, with exit code 2', () => {
    const empty = spawnSync(process.execPath, [join(import.meta.dirname, '../../site/scripts/preview.ts')], {
      env: { ...process.env, HW1_SITE_OUT: tempDir() },
      encoding: 'utf8',
    });
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/no report in .* yet: build it with `npx turbo run report`/);
    const bad = spawnSync(process.execPath, [join(import.meta.dirname, '../../site/scripts/preview.ts'), '--port', 'http'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--port expects a port number \(0 to 65535\), got http/);
  });
});
