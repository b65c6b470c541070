/**
 * Output directories the project writes whole (the report, a compare site):
 * never one it did not make, and never half of one. An output is built in a
 * directory beside the target and swapped in only when complete, so a failed
 * build leaves the last good output in place; a target that exists must be
 * empty or carry the marker file an earlier build of this project left in it.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.ts';
import { alive, lockFile, waitForLock } from './lock.ts';
import { projectRoot } from './paths.ts';

/** Written into every output this project builds: the proof that it may be replaced. */
export const OUTPUT_MARKER = '.hw1-output.json';

/** An output directory that cannot be used: it holds someone else's files, or it is the checkout or above it. */
export class OutputDirError extends InputError {}

const isWithin = (dir: string, parent: string) => dir === parent || dir.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/** Why `target` may not be (re)built, or null when it may: absent, empty, or made by this project. */
export function outputDirProblem(target: string): string | null {
  const dir = resolve(target);
  for (const [place, what] of [
    [projectRoot, 'the checkout'],
    [homedir(), 'your home directory'],
  ] as const) {
    if (isWithin(place, dir)) return `${dir} is ${dir === place ? what : `above ${what}`}`;
  }
  if (dir === dirname(dir)) return `${dir} is the root of the file system`;
  if (dir.split(sep).includes('.git')) return `${dir} is inside a git directory`;
  if (!existsSync(dir)) return null;
  if (!statSync(dir).isDirectory()) return `${dir} is a file, not a directory`;
  const entries = readdirSync(dir);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return null;
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? `, … (${entries.length} entries)` : '');
  return `${dir} holds files this project did not write there (${shown}) and no ${OUTPUT_MARKER}`;
}

/** Throws OutputDirError when `target` may not be built; `variable` names where the path came from. */
export function checkOutputDir(target: string, variable: string): void {
  const problem = outputDirProblem(target);
  if (problem) {
    throw new OutputDirError(
      `refusing to build into ${variable}=${target}: ${problem}. Nothing was changed; name a new or empty directory, or one an earlier build made ` +
        `(an output built before outputs carried ${OUTPUT_MARKER}: remove it once)`,
    );
  }
}

/** Cleans what a killed build left beside `target`: a half-built output is removed, an interrupted swap is undone. */
function recover(target: string): void {
  const dir = dirname(target);
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = new RegExp(`^${basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|old)-(\\d+)$`).exec(name);
    if (!m || alive(Number(m[2]))) continue;
    const path = join(dir, name);
    if (m[1] === 'old' && !existsSync(target)) renameSync(path, target);
    else rmSync(path, { recursive: true, force: true });
  }
}

export interface ReplaceOptions {
  /** What is being built, for messages and the marker (e.g. "the report"). */
  what: string;
  /** Where the path came from, for messages (e.g. "HW1_SITE_OUT"). */
  variable: string;
  log: (line: string) => void;
  /** Also wait for this checkout-wide lock (cache/locks/<name>.lock): builds of other targets that share state (the site's .astro directory). */
  sharedLock?: string;
}

/**
 * Builds an output directory: `build` fills a fresh directory beside
 * `target`; only when it succeeds is that swapped in for `target`. Waits for
 * another build of the same target in this checkout to finish first.
 */
export async function replaceOutputDir(target: string, build: (dir: string) => Promise<void>, options: ReplaceOptions): Promise<void> {
  const dir = resolve(target);
  checkOutputDir(dir, options.variable);
  const shared = options.sharedLock ? await waitForLock(lockFile(options.sharedLock), `another ${options.what} build`, options.log) : null;
  const lock = await waitForLock(lockFile('output', dir), `a build of ${relative(projectRoot, dir) || dir}`, options.log);
  try {
    recover(dir);
    checkOutputDir(dir, options.variable);
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    try {
      await build(partial);
      writeFileSync(
        join(partial, OUTPUT_MARKER),
        `${JSON.stringify({ builtBy: 'hw1-report', what: options.what, createdAt: new Date().toISOString() }, null, 2)}\n`,
      );
    } catch (err) {
      rmSync(partial, { recursive: true, force: true });
      throw err;
    }
    const old = `${dir}.old-${process.pid}`;
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(partial, dir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    lock.release();
    shared?.release();
  }
}
