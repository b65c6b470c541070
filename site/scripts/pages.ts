/**
 * The published site on the gh-pages branch, which GitHub Pages serves:
 * main's report at the root, each open pull request's compare site under
 * pr/<n>/, a list of the previews at pr/index.html. The publish workflows run
 * this from a trusted checkout of the default branch (never a pull request's
 * code), with nothing installed: it imports Node's built-in modules only.
 *
 *   node site/scripts/pages.ts main <site-dir>          main's report at the root (pr/ kept)
 *   node site/scripts/pages.ts preview <n> <site-dir>   pull request n's compare site at pr/<n>/
 *   node site/scripts/pages.ts remove <n>               pull request n's preview taken down
 *
 * Options: --open <n,n,…> also removes the previews of pull requests not in
 * the list (closed ones); --remote <name|url> (default origin); --branch
 * <name> (default gh-pages); --tree <dir> edits a plain directory instead of
 * the branch (no git); --keep-history <n> and --commit-url <url> for the
 * History page, which each publish of main extends (history-page.ts).
 *
 * A site directory is data, not code: it is refused unless it holds only
 * regular files and directories (no symlinks, devices or hidden git data),
 * with plain names, at most 10 levels deep, 20,000 files and 300 MB, and
 * files are copied one by one, never following a link. The branch gets one
 * commit without history per update (the site is rebuilt each time, its
 * history would only grow the repository), pushed with a lease on the commit
 * it was made from; a push that lost a race is redone from the new tip.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HISTORY_DIR, readHistory, siteEntry, updateHistory } from './history-page.ts';

export class PagesError extends Error {}

export interface Limits {
  files: number;
  bytes: number;
  depth: number;
}
export const defaultLimits: Limits = { files: 20_000, bytes: 300 * 1024 * 1024, depth: 10 };

/** A plain file or directory name: no separators, no leading dot except the site's own marker files. */
const plainName = /^[\w@+-][\w.@+-]*$/;
const allowedDotFiles = new Set(['.hw1-output.json', '.nojekyll']);

/** Checks that `dir` is a site to publish (see the file's comment); returns its files, relative, `/`-separated. */
export function checkSite(dir: string, limits: Limits = defaultLimits): string[] {
  const top = lstatSync(dir, { throwIfNoEntry: false });
  if (!top?.isDirectory()) throw new PagesError(`${dir}: not a directory`);
  const found: string[] = [];
  let bytes = 0;
  const walk = (under: string, depth: number): void => {
    if (depth > limits.depth) throw new PagesError(`${under}: deeper than ${limits.depth} levels`);
    for (const name of readdirSync(join(dir, under))) {
      const path = under ? `${under}/${name}` : name;
      if (!plainName.test(name) && !allowedDotFiles.has(name)) throw new PagesError(`${path}: not a plain file name`);
      const st = lstatSync(join(dir, path));
      if (st.isSymbolicLink()) throw new PagesError(`${path}: a symbolic link (a site to publish holds files only)`);
      if (st.isDirectory()) walk(path, depth + 1);
      else if (st.isFile()) {
        found.push(path);
        bytes += st.size;
        if (found.length > limits.files) throw new PagesError(`more than ${limits.files} files`);
        if (bytes > limits.bytes) throw new PagesError(`more than ${Math.round(limits.bytes / 1024 / 1024)} MB`);
      } else throw new PagesError(`${path}: not a regular file`);
    }
  };
  walk('', 0);
  if (!found.includes('index.html')) throw new PagesError(`${dir}: no index.html (is this a built site?)`);
  return found;
}

/** Copies the checked `files` of `from` into `to` (created), never following a link. */
function copySite(from: string, files: readonly string[], to: string): void {
  mkdirSync(to, { recursive: true });
  for (const file of files) {
    const source = join(from, ...file.split('/'));
    // Checked again just before the copy: a file swapped for a link since the walk is refused, not followed.
    if (!lstatSync(source).isFile()) throw new PagesError(`${file}: changed while being published`);
    const target = join(to, ...file.split('/'));
    mkdirSync(join(target, '..'), { recursive: true });
    copyFileSync(source, target);
  }
}

/** A pull request number as given on the command line. */
export function prNumber(text: string | undefined): number {
  if (!text || !/^[1-9]\d{0,8}$/.test(text)) throw new PagesError(`expected a pull request number, got ${JSON.stringify((text ?? '').slice(0, 40))}`);
  return Number(text);
}

/** The open previews, by number. */
function previews(tree: string): number[] {
  const pr = join(tree, 'pr');
  if (!existsSync(pr)) return [];
  return readdirSync(pr)
    .filter((n) => /^[1-9]\d*$/.test(n) && lstatSync(join(pr, n)).isDirectory())
    .map(Number)
    .sort((a, b) => a - b);
}

/** pr/index.html: the previews, linked; the directory removed when there are none. */
function writePreviewIndex(tree: string): void {
  const numbers = previews(tree);
  const pr = join(tree, 'pr');
  if (numbers.length === 0) {
    rmSync(pr, { recursive: true, force: true });
    return;
  }
  const items = numbers.map((n) => `<li><a href="./${n}/index.html">Pull request #${n}</a> (<a href="./${n}/changes.html">what changed</a>)</li>`);
  writeFileSync(
    join(pr, 'index.html'),
    `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>Pull request previews · Deep learning report</title><link rel="icon" href="data:,"></head>\n<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem">` +
      `<h1>Pull request previews</h1><p>Each open pull request’s report, with its base in every figure. <a href="../index.html">Main’s report</a>.</p>\n<ul>\n${items.join('\n')}\n</ul>\n</body></html>\n`,
  );
}

/** The history of main's publishes (history-page.ts): how many to keep, where a commit's page is (a prefix the hash follows). */
export interface HistoryOptions {
  keep?: number;
  commitUrl?: string | null;
  warn?: (line: string) => void;
}

export type Change = { kind: 'main'; site: string } | { kind: 'preview'; number: number; site: string } | { kind: 'remove'; number: number };

/** Applies `change` to the directory `tree` (the branch's files), then drops previews not in `open` (if given). */
export function applyChange(
  tree: string,
  change: Change,
  open: readonly number[] | null = null,
  limits: Limits = defaultLimits,
  history: HistoryOptions = {},
): string {
  let message: string;
  if (change.kind === 'main') {
    const files = checkSite(change.site, limits);
    if (files.some((f) => f === 'pr' || f.startsWith('pr/'))) throw new PagesError(`${change.site}: holds a pr/ entry, where the previews go`);
    if (files.some((f) => f === HISTORY_DIR || f.startsWith(`${HISTORY_DIR}/`)))
      throw new PagesError(`${change.site}: holds a ${HISTORY_DIR}/ entry, where the history goes`);
    // The history the branch holds, read (and checked) before main's new report replaces the tree.
    const warn = history.warn ?? ((line: string) => process.stderr.write(`warning: ${line}\n`));
    const previous = readHistory(tree, warn);
    for (const name of readdirSync(tree)) if (name !== 'pr' && name !== '.git') rmSync(join(tree, name), { recursive: true, force: true });
    copySite(change.site, files, tree);
    const kept = updateHistory(tree, previous, siteEntry(change.site, warn), history);
    message = `main’s report${kept ? `; ${kept}` : ''}`;
  } else if (change.kind === 'preview') {
    const files = checkSite(change.site, limits);
    const target = join(tree, 'pr', String(change.number));
    rmSync(target, { recursive: true, force: true });
    copySite(change.site, files, target);
    message = `preview of pull request #${change.number}`;
  } else {
    rmSync(join(tree, 'pr', String(change.number)), { recursive: true, force: true });
    message = `preview of pull request #${change.number} removed`;
  }
  if (open) {
    const closed = previews(tree).filter((n) => !open.includes(n) && !(change.kind === 'preview' && n === change.number));
    for (const n of closed) rmSync(join(tree, 'pr', String(n)), { recursive: true, force: true });
    if (closed.length) message += `; previews of closed pull requests removed: ${closed.map((n) => `#${n}`).join(', ')}`;
  }
  writePreviewIndex(tree);
  // GitHub Pages would otherwise run Jekyll, which drops the _astro/ folder (leading underscore).
  writeFileSync(join(tree, '.nojekyll'), '');
  return message;
}

export function git(cwd: string, args: string[], input?: string): { ok: boolean; out: string; err: string } {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: process.env.GIT_AUTHOR_NAME ?? 'hw1-report publisher',
    GIT_AUTHOR_EMAIL: process.env.GIT_AUTHOR_EMAIL ?? 'hw1-report@users.noreply.github.com',
    GIT_COMMITTER_NAME: process.env.GIT_COMMITTER_NAME ?? 'hw1-report publisher',
    GIT_COMMITTER_EMAIL: process.env.GIT_COMMITTER_EMAIL ?? 'hw1-report@users.noreply.github.com',
    GIT_TERMINAL_PROMPT: '0',
  };
  const r = spawnSync('git', args, { cwd, env, input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new PagesError(`git ${args[0]}: ${r.error.message}`);
  return { ok: r.status === 0, out: r.stdout.trim(), err: r.stderr.trim() };
}

export function mustGit(cwd: string, args: string[]): string {
  const r = git(cwd, args);
  if (!r.ok) throw new PagesError(`git ${args.join(' ')} failed: ${r.err.split('\n').slice(-3).join(' ')}`);
  return r.out;
}

/** Waits a random while, longer with each attempt, so that publishers who collided do not collide again. */
function pause(attempt: number): void {
  const ms = Math.round((0.5 + Math.random()) * 250 * Math.min(attempt, 6));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Updates `branch` of `remote` from the git checkout `repo`: fetches its tip
 * (none yet is fine), applies the change in a scratch worktree, commits the
 * result without parents and pushes with a lease on the tip it started from.
 * Returns the commit pushed and what it says.
 */
export function updateBranch(
  repo: string,
  change: Change,
  options: {
    remote?: string;
    branch?: string;
    open?: readonly number[] | null;
    attempts?: number;
    log?: (line: string) => void;
    history?: HistoryOptions;
  } = {},
): { commit: string; message: string } {
  const remote = options.remote ?? 'origin';
  const branch = options.branch ?? 'gh-pages';
  // A value git would read as an option (`--upload-pack=…` runs a command) is refused, and so is a branch name git
  // refuses: an error that retrying cannot change is reported at once.
  if (remote.startsWith('-')) throw new PagesError(`--remote must name a remote or a URL, not an option: ${JSON.stringify(remote)}`);
  if (branch.startsWith('-') || !git(repo, ['check-ref-format', '--branch', branch]).ok) {
    throw new PagesError(`--branch: ${JSON.stringify(branch)} is not a valid branch name`);
  }
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const attempts = options.attempts ?? 8;
  // This process's own scratch ref; --refmap= leaves remote-tracking refs alone (publishers in one checkout would race on them).
  const scratchRef = `refs/hw1-pages/tip-${process.pid}`;
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) pause(attempt);
    // No --depth: the branch is one commit without parents, and a shallow fetch would make publishers in one checkout race on .git/shallow.
    const fetched = git(repo, ['fetch', '--quiet', '--refmap=', '--', remote, `+refs/heads/${branch}:${scratchRef}`]);
    const missing = !fetched.ok && /couldn't find remote ref|not our ref|no such ref/i.test(fetched.err);
    if (!fetched.ok && !missing) {
      if (attempt >= attempts) throw new PagesError(`cannot fetch ${branch} from ${remote}: ${fetched.err.split('\n').slice(-2).join(' ')}`);
      log(`fetching ${branch} failed (attempt ${attempt} of ${attempts}): ${fetched.err.split('\n').at(-1)}; again`);
      continue;
    }
    const tip = fetched.ok ? mustGit(repo, ['rev-parse', scratchRef]) : '';
    const scratch = mkdtempSync(join(tmpdir(), 'hw1-pages-'));
    const tree = join(scratch, 'tree');
    try {
      mustGit(repo, ['worktree', 'add', '--quiet', '--detach', '--no-checkout', tree, tip || 'HEAD']);
      if (tip) mustGit(tree, ['checkout', '--quiet', 'HEAD', '--', '.']);
      else mustGit(tree, ['read-tree', '--empty']);
      const message = applyChange(tree, change, options.open ?? null, defaultLimits, { warn: log, ...options.history });
      mustGit(tree, ['add', '--all', '--force', '.']);
      const treeId = mustGit(tree, ['write-tree']);
      const commit = mustGit(tree, ['commit-tree', treeId, '-m', `Publish: ${message}`]);
      const pushed = git(repo, ['push', '--quiet', `--force-with-lease=refs/heads/${branch}:${tip}`, '--', remote, `${commit}:refs/heads/${branch}`]);
      if (pushed.ok) {
        log(`published to ${branch}: ${message} (${commit.slice(0, 12)})`);
        return { commit, message };
      }
      if (attempt >= attempts) throw new PagesError(`push to ${branch} refused ${attempts} times: ${pushed.err.split('\n').slice(-2).join(' ')}`);
      log(`${branch} moved while this was published (attempt ${attempt} of ${attempts}); again from its new tip`);
    } finally {
      git(repo, ['worktree', 'remove', '--force', tree]);
      rmSync(scratch, { recursive: true, force: true });
      git(repo, ['worktree', 'prune']);
      git(repo, ['update-ref', '-d', scratchRef]);
    }
  }
}

const usage = `usage:
  node site/scripts/pages.ts main <site-dir>          main's report at the root of the published site
  node site/scripts/pages.ts preview <n> <site-dir>   pull request n's compare site at pr/<n>/
  node site/scripts/pages.ts remove <n>               pull request n's preview taken down

options:
  --open <n,n,…>      the open pull requests: previews of any other are removed
  --remote <name|url> where the branch is pushed (default origin)
  --branch <name>     the branch GitHub Pages serves (default gh-pages)
  --tree <dir>        edit a plain directory instead of the branch (no git)
  --keep-history <n>  how many of main's publishes the History page keeps (default 200)
  --commit-url <url>  where a commit's page is: the URL the hash is appended to
                      (e.g. https://github.com/<owner>/<repo>/commit/); points link there

Run from a checkout of this repository that may push to the remote.`;

/**
 * A folder --tree may edit: absent, empty, or one this script wrote before (every change leaves `.nojekyll`,
 * and main's report its `.hw1-output.json`). Anything else holds someone's files, which a change would delete.
 */
export function refuseForeignTree(dir: string): void {
  const names = existsSync(dir) ? readdirSync(dir) : [];
  if (names.length && !names.includes('.nojekyll') && !names.includes('.hw1-output.json')) {
    throw new PagesError(`--tree ${dir} holds files this script did not write (no .nojekyll); give an empty folder or a published tree`);
  }
}

const parseCommandLine = (argv: string[]) =>
  parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      open: { type: 'string' },
      remote: { type: 'string' },
      branch: { type: 'string' },
      tree: { type: 'string' },
      'keep-history': { type: 'string' },
      'commit-url': { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });

export function main(argv: string[]): number {
  // node:util's parseArgs, as every command of the project (core/cli.ts), but here without the shared helper: this
  // script runs with nothing installed, so it imports Node's built-in modules only.
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    const word = /'([^' =]*)/.exec((err as Error).message)?.[1] ?? '';
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new PagesError(`unknown option ${word}; see --help`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new PagesError(`${word} needs a value; see --help`);
    throw new PagesError(`${(err as Error).message}; see --help`);
  }
  const { values, positionals: positional } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const options: { open?: number[]; remote?: string; branch?: string; tree?: string } = {
    ...(values.open !== undefined ? { open: values.open === '' ? [] : values.open.split(',').map((n) => prNumber(n.trim())) } : {}),
    ...(values.remote !== undefined ? { remote: values.remote } : {}),
    ...(values.branch !== undefined ? { branch: values.branch } : {}),
    ...(values.tree !== undefined ? { tree: resolve(values.tree) } : {}),
  };
  const history: HistoryOptions = {};
  if (values['keep-history'] !== undefined) {
    if (!/^[1-9]\d{0,4}$/.test(values['keep-history']))
      throw new PagesError(`--keep-history: expected a number of publishes from 1 to 99999, got ${JSON.stringify(values['keep-history'].slice(0, 20))}`);
    history.keep = Number(values['keep-history']);
  }
  if (values['commit-url']) {
    if (!/^https?:\/\/[^\s"'<>]+\/$/.test(values['commit-url']))
      throw new PagesError(`--commit-url: expected an http(s) URL ending in /, got ${JSON.stringify(values['commit-url'].slice(0, 80))}`);
    history.commitUrl = values['commit-url'];
  }
  const [kind, ...rest] = positional;
  let change: Change;
  if (kind === 'main' && rest.length === 1) change = { kind, site: resolve(rest[0]!) };
  else if (kind === 'preview' && rest.length === 2) change = { kind, number: prNumber(rest[0]), site: resolve(rest[1]!) };
  else if (kind === 'remove' && rest.length === 1) change = { kind, number: prNumber(rest[0]) };
  else throw new PagesError(usage);
  if (options.tree) {
    refuseForeignTree(options.tree);
    mkdirSync(options.tree, { recursive: true });
    console.log(applyChange(options.tree, change, options.open ?? null, defaultLimits, history));
  } else updateBranch(process.cwd(), change, { ...options, history });
  return 0;
}

if (import.meta.main) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof PagesError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 2;
  }
}
