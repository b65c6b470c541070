/**
 * Builds the report (`npm run --workspace @hw1/site report`, turbo's report
 * task): `astro build` into a directory beside the output, swapped in only
 * when the build succeeded, so a failed build (a broken page, a stale
 * artifact) leaves the last good report in place. The output is site/dist or
 * HW1_SITE_OUT (relative to the project root); one that holds files this
 * project did not write is refused, and builds in one checkout take turns.
 */
import { spawn } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runMain } from '@hw1/pipeline/errors';
import { replaceOutputDir } from '@hw1/pipeline/output';
import { checkTurboPaths, projectRoot, siteOutDir } from '@hw1/pipeline/paths';
import { activeProfile } from '@hw1/pipeline/stages';
import { checkProse } from './prose-check.ts';
import { makeUrlsRelative, rootAbsoluteUrls } from './relative-urls.ts';

const site = join(dirname(fileURLToPath(import.meta.url)), '..');
const astro = join(site, '..', 'node_modules', 'astro', 'bin', 'astro.mjs');

/** `astro build --outDir dir`, its output passed through; resolves when it succeeded. */
function astroBuild(dir: string, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [astro, 'build', '--outDir', dir], {
      cwd: site,
      // HW1_SITE_OUT names the final output, from which astro.config.mjs keys this build's cache directory.
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', HW1_SITE_OUT: target },
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          Object.assign(new Error(`astro build failed (${signal ?? `exit code ${code}`}); the previous report, if any, is unchanged`), { exitCode: code ?? 1 }),
        );
    });
  });
}

/** Makes the build work at a domain root, under a sub-path and from file:// (relative URLs only). */
function servableAnywhere(dir: string): void {
  makeUrlsRelative(dir);
  const left = rootAbsoluteUrls(dir);
  if (left.length) {
    throw Object.assign(
      new Error(
        `the built site names root-absolute URLs, which break under a sub-path and from file:// (${left
          .slice(0, 3)
          .map((l) => `${l.file}: ${l.url}`)
          .join('; ')}); the previous report, if any, is unchanged`,
      ),
      { exitCode: 1 },
    );
  }
}

/** Fails the build on broken prose (scripts/prose-check.ts): a stray value, a split sentence, a placeholder. */
function wholeSentences(dir: string): void {
  const problems = checkProse(dir);
  if (!problems.length) return;
  throw Object.assign(
    new Error(
      `broken prose in the report (fix the page under content/report/ or the component that writes it); the previous report, if any, is unchanged:\n${problems
        .map((p) => `  ${p.file}: ${p.problem}: "${p.text}"`)
        .join('\n')}`,
    ),
    { exitCode: 1 },
  );
}

runMain(async () => {
  checkTurboPaths(['HW1_SITE_OUT', 'HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR']);
  activeProfile(); // a bad or (under turbo) redundant HW1_PROFILE stops here, before Astro starts

  const target = siteOutDir();
  try {
    await replaceOutputDir(
      target,
      (dir) =>
        astroBuild(dir, target).then(() => {
          servableAnywhere(dir);
          wholeSentences(dir);
        }),
      {
        what: 'report',
        variable: process.env.HW1_SITE_OUT ? 'HW1_SITE_OUT' : 'the output',
        log: (line) => process.stderr.write(`${line}\n`),
        sharedLock: 'site-build',
      },
    );
  } catch (err) {
    // Astro has said what went wrong; one line more, without a stack.
    if ((err as { exitCode?: number }).exitCode !== undefined) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      return 1;
    }
    throw err;
  }
  const shown = relative(projectRoot, target) || target;
  process.stderr.write(`report: ${join(shown, 'index.html')}: open it in a browser (it works from disk), or serve it with \`npm run preview\`\n`);
  return 0;
});
