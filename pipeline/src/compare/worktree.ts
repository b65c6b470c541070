/**
 * Temporary checkouts for `npm run diff` and `npm run history`: a git
 * worktree of a revision (or of a snapshot of the working tree), given the
 * main checkout's node_modules when the lockfile matches, and removed again
 * whatever happens (Worktrees). Child processes run in their own process
 * group so an interrupted command can stop them before it removes their
 * directory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { InputError } from '../core/errors.ts';

export type SideName = 'base' | 'head';

/** A diff that cannot go on; the message names the side and, where there is one, the stage. */
export class DiffError extends InputError {}

export function git(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The repository holding `dir` and where `dir` sits in it ("" at its top). */
export function repositoryOf(dir: string): { top: string; prefix: string } {
  try {
    const top = git(['rev-parse', '--show-toplevel'], dir);
    return { top, prefix: relative(top, dir) };
  } catch {
    throw new DiffError(`${dir} is not inside a git repository; npm run diff and npm run history work on git revisions`);
  }
}

/** The commit `rev` names, or an error naming the side. */
export function resolveRevision(repo: string, rev: string, side: SideName): string {
  if (rev.startsWith('-')) throw new DiffError(`${side} revision "${rev}" looks like an option; see --help`);
  try {
    return git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], repo);
  } catch {
    throw new DiffError(`unknown ${side} revision "${rev}": git knows no commit by that name (a branch, tag or hash)`);
  }
}

/**
 * A commit holding the working tree as it is (tracked changes and untracked
 * files that are not ignored), made through a temporary index so neither the
 * user's index nor any branch moves.
 */
export function snapshotWorkingTree(repo: string, scratch: string): string {
  const index = join(scratch, 'snapshot-index');
  const realIndex = git(['rev-parse', '--path-format=absolute', '--git-path', 'index'], repo);
  if (existsSync(realIndex)) copyFileSync(realIndex, index);
  const env = { ...process.env, GIT_INDEX_FILE: index };
  git(['add', '--all', '--', '.'], repo, env);
  const tree = git(['write-tree'], repo, env);
  rmSync(index, { force: true });
  let parent: string[] = [];
  try {
    parent = ['-p', git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'], repo)];
  } catch {
    // No commit yet.
  }
  const identity = {
    GIT_AUTHOR_NAME: 'npm run diff',
    GIT_AUTHOR_EMAIL: 'diff@localhost',
    GIT_COMMITTER_NAME: 'npm run diff',
    GIT_COMMITTER_EMAIL: 'diff@localhost',
  };
  return git(['commit-tree', tree, ...parent, '-m', 'working tree snapshot for npm run diff'], repo, { ...process.env, ...identity });
}

export function addWorktree(repo: string, dir: string, commit: string): void {
  git(['worktree', 'add', '--detach', '--force', dir, commit], repo);
}

/** Removes the worktree and its directory; never throws (it runs while cleaning up). */
export function removeWorktree(repo: string, dir: string): void {
  try {
    git(['worktree', 'remove', '--force', '--force', dir], repo);
  } catch {
    // Half made, or already gone: remove the directory and let git forget it.
  }
  rmSync(dir, { recursive: true, force: true });
  try {
    git(['worktree', 'prune'], repo);
  } catch {
    // Nothing to prune.
  }
}

/**
 * A scratch folder for temporary worktrees of one repository. Every worktree
 * added is removed with the folder at the end (dispose), on exit, and on
 * Ctrl-C or SIGTERM, which first stop the children runProcess started and
 * then exit 130 or 143 saying so.
 */
export class Worktrees {
  readonly scratch: string;
  /** Set once a signal arrived: the command's failures from then on are the signal's doing. */
  interrupted = false;
  private readonly dirs = new Set<string>();
  private disposed = false;
  private readonly repo: string;
  private readonly tag: string;

  constructor(repo: string, prefix: string, tag: string) {
    this.repo = repo;
    this.tag = tag;
    this.scratch = mkdtempSync(join(tmpdir(), prefix));
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.on('exit', this.dispose);
  }

  /** A worktree of `commit` at <scratch>/<name>. */
  add(name: string, commit: string): string {
    const dir = join(this.scratch, name);
    this.dirs.add(dir);
    addWorktree(this.repo, dir, commit);
    return dir;
  }

  remove(dir: string): void {
    removeWorktree(this.repo, dir);
    this.dirs.delete(dir);
  }

  readonly dispose = (): void => {
    if (this.disposed) return;
    this.disposed = true;
    for (const dir of this.dirs) removeWorktree(this.repo, dir);
    rmSync(this.scratch, { recursive: true, force: true });
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.dispose);
  };

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.interrupted) return;
    this.interrupted = true;
    process.stderr.write(`\n${this.tag} ${signal}: stopping and removing the temporary worktrees\n`);
    void stopChildren().finally(() => {
      this.dispose();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
}

/** Whether `dir` holds the project: a revision from before the pipeline existed does not. */
export function missingLayout(dir: string): string[] {
  return ['package.json', 'package-lock.json', 'turbo.json', 'pipeline/package.json', 'site/package.json'].filter((f) => !existsSync(join(dir, f)));
}

/**
 * What `npm ci` installs from a checkout's lockfile, as one string: every package in a node_modules with
 * its version and integrity, links to the checkout's own workspaces left out (a new stage adds one, and
 * each checkout gets links to its own). Unreadable or missing: null.
 */
export function installedPackages(dir: string): string | null {
  try {
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages?: Record<string, Record<string, unknown>> };
    const installed = Object.entries(lock.packages ?? {})
      .filter(([path, entry]) => path.includes('node_modules/') && entry.link !== true)
      .map(([path, entry]) => [path, entry.version, entry.integrity, entry.resolved, entry.optional === true]);
    return JSON.stringify(installed.sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  } catch {
    return null;
  }
}

/**
 * node_modules for a checkout: with the same installed packages (installedPackages), a directory of links to
 * the main checkout's packages (the workspace links under @hw1 point at the
 * checkout's own pipeline and site); otherwise a fresh `npm ci`.
 * Returns how it was done.
 */
export async function provideNodeModules(main: string, dir: string, log: (line: string) => void): Promise<'linked' | 'installed'> {
  const installed = installedPackages(main);
  if (existsSync(join(main, 'node_modules')) && installed !== null && installed === installedPackages(dir)) {
    const target = join(dir, 'node_modules');
    // Anything already there came with the commit (a committed link, say): never write through it.
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    for (const name of readdirSync(join(main, 'node_modules'))) {
      if (name === '@hw1' || name.startsWith('.astro') || name.startsWith('.hw1-')) continue;
      symlinkSync(join(main, 'node_modules', name), join(target, name));
    }
    const own = join(target, '@hw1');
    mkdirSync(own, { recursive: true });
    for (const name of readdirSync(join(main, 'node_modules', '@hw1'))) {
      const link = join(main, 'node_modules', '@hw1', name);
      // The same relative link ("../../pipeline") here points at this checkout's own workspace (a stage's
      // package the checkout does not have gives a dangling link, which nothing follows).
      if (lstatSync(link).isSymbolicLink()) symlinkSync(readlinkSync(link), join(own, name));
    }
    return 'linked';
  }
  log('package-lock.json differs from this checkout: installing with npm ci');
  const r = await runProcess('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, onLine: log });
  if (r.code !== 0) throw new DiffError(`npm ci failed in ${dir} (exit ${r.code})`);
  return 'installed';
}

const children = new Set<ChildProcess>();

/** Stops every child this module started (their whole process groups), for an interrupted diff. */
export async function stopChildren(): Promise<void> {
  const running = [...children];
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // Already gone.
    }
  }
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => {
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // Gone meanwhile.
            }
          }, 5000);
          child.once('close', () => {
            clearTimeout(kill);
            resolve();
          });
        }),
    ),
  );
}

export interface ProcessResult {
  code: number;
  /** The last lines of its output (stdout and stderr), for error messages. */
  tail: string[];
}

/** Runs a command in its own process group, passing each output line to `onLine`. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const tail: string[] = [];
    const feed = (stream: NodeJS.ReadableStream) => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const line of lines) {
          tail.push(line);
          if (tail.length > 40) tail.shift();
          options.onLine?.(line);
        }
      });
      stream.on('end', () => {
        if (rest) {
          tail.push(rest);
          options.onLine?.(rest);
        }
      });
    };
    feed(child.stdout!);
    feed(child.stderr!);
    child.on('error', (err) => {
      children.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code: code ?? (signal ? 128 : 1), tail });
    });
  });
}
