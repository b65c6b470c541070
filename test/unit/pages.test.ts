/**
 * The published tree (site/scripts/pages.ts): main's report at the root,
 * previews under pr/<n>/ kept across main's updates and pruned when closed;
 * a site from a pull request is data, refused when it holds a link, an odd
 * name or too much; the gh-pages branch gets one commit without history per
 * update, and two publishers at once both land.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyChange, checkSite, defaultLimits, mustGit, PagesError, prNumber, updateBranch } from '../../site/scripts/pages.ts';
import { root, tempDir } from '../helpers/helpers.ts';

const script = join(root, 'site/scripts/pages.ts');

/** A small built site: index.html naming `label`, an asset folder, a page. */
function site(label: string): string {
  const dir = tempDir();
  mkdirSync(join(dir, '_astro'));
  writeFileSync(join(dir, 'index.html'), `<p>${label}</p>`);
  writeFileSync(join(dir, 'changes.html'), `<p>${label} changes</p>`);
  writeFileSync(join(dir, '_astro', 'katex.css'), 'p{}');
  return dir;
}

/** Every file under `dir`, relative, sorted. */
function tree(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true })
    .filter((e) => e.name !== '.git')
    .flatMap((e) => (e.isDirectory() ? tree(dir, `${under}${e.name}/`) : [`${under}${e.name}`]))
    .sort();
}

/** A bare "origin" and a checkout of it with one commit, as the trusted job has. */
function repository(): { origin: string; checkout: string } {
  const dir = tempDir();
  const origin = join(dir, 'origin.git');
  const checkout = join(dir, 'checkout');
  mustGit(dir, ['init', '--quiet', '--bare', origin]);
  mustGit(dir, ['init', '--quiet', checkout]);
  mustGit(checkout, ['commit', '--quiet', '--allow-empty', '-m', 'project']);
  mustGit(checkout, ['remote', 'add', 'origin', origin]);
  return { origin, checkout };
}

/** Warnings of the publish step (a site without a history-entry.json gets no History entry): kept, not printed into the test log. */
const warnings: string[] = [];
/** applyChange, its warnings kept in \`warnings\`. */
const apply = (tree: string, change: Parameters<typeof applyChange>[1], open: readonly number[] | null = null) =>
  applyChange(tree, change, open, defaultLimits, { warn: (line) => warnings.push(line) });

const branchFiles = (origin: string) => mustGit(origin, ['ls-tree', '-r', '--name-only', 'gh-pages']).split('\n').sort();
const fileAt = (origin: string, path: string) => mustGit(origin, ['show', `gh-pages:${path}`]);

describe('the published tree', () => {
  it('keeps the previews when main’s report is replaced, and lists them', () => {
    const t = tempDir();
    apply(t, { kind: 'main', site: site('main 1') });
    apply(t, { kind: 'preview', number: 7, site: site('pr 7') });
    apply(t, { kind: 'preview', number: 12, site: site('pr 12') });
    writeFileSync(join(t, 'stale.html'), 'from an older main');
    apply(t, { kind: 'main', site: site('main 2') });
    // These sites carry no build summary: said, and the History gets no entry.
    expect(warnings.at(-1)).toMatch(/has no history-entry\.json .*: the history gets no entry for it$/);
    expect(tree(t)).toEqual([
      '.nojekyll',
      '_astro/katex.css',
      'changes.html',
      'index.html',
      'pr/12/_astro/katex.css',
      'pr/12/changes.html',
      'pr/12/index.html',
      'pr/7/_astro/katex.css',
      'pr/7/changes.html',
      'pr/7/index.html',
      'pr/index.html',
    ]);
    expect(readFileSync(join(t, 'index.html'), 'utf8')).toBe('<p>main 2</p>');
    expect(readFileSync(join(t, 'pr/7/index.html'), 'utf8')).toBe('<p>pr 7</p>');
    const list = readFileSync(join(t, 'pr/index.html'), 'utf8');
    expect(list).toContain('href="./7/index.html"');
    expect(list).toContain('href="./12/index.html"');
    expect(list).toContain('href="../index.html"');
  });

  it('takes a preview down, prunes those of closed pull requests, and drops the list when none is left', () => {
    const t = tempDir();
    apply(t, { kind: 'main', site: site('main') });
    for (const n of [3, 4, 5]) apply(t, { kind: 'preview', number: n, site: site(`pr ${n}`) });
    expect(apply(t, { kind: 'remove', number: 4 })).toBe('preview of pull request #4 removed');
    expect(readdirSync(join(t, 'pr')).sort()).toEqual(['3', '5', 'index.html']);
    expect(apply(t, { kind: 'main', site: site('main') }, [5])).toMatch(/previews of closed pull requests removed: #3/);
    expect(readdirSync(join(t, 'pr')).sort()).toEqual(['5', 'index.html']);
    apply(t, { kind: 'remove', number: 5 });
    expect(existsSync(join(t, 'pr'))).toBe(false);
  });

  it('refuses a site with a symbolic link, an odd name, too many files or bytes, too deep, or no index', () => {
    const withLink = site('x');
    symlinkSync('/etc/passwd', join(withLink, 'passwd.html'));
    expect(() => checkSite(withLink)).toThrow(/passwd\.html: a symbolic link/);
    const linkedDir = site('x');
    symlinkSync('/etc', join(linkedDir, 'etc'));
    expect(() => checkSite(linkedDir)).toThrow(/etc: a symbolic link/);
    const gitDir = site('x');
    mkdirSync(join(gitDir, '.git'));
    expect(() => checkSite(gitDir)).toThrow(/\.git: not a plain file name/);
    const odd = site('x');
    writeFileSync(join(odd, 'a b.html'), '');
    expect(() => checkSite(odd)).toThrow(/a b\.html: not a plain file name/);
    expect(() => checkSite(site('x'), { files: 2, bytes: 1e9, depth: 10 })).toThrow(/more than 2 files/);
    expect(() => checkSite(site('x'), { files: 100, bytes: 10, depth: 10 })).toThrow(/more than 0 MB/);
    const deep = site('x');
    mkdirSync(join(deep, 'a/b/c'), { recursive: true });
    writeFileSync(join(deep, 'a/b/c/d.html'), '');
    expect(() => checkSite(deep, { files: 100, bytes: 1e9, depth: 2 })).toThrow(/deeper than 2 levels/);
    const noIndex = tempDir();
    writeFileSync(join(noIndex, 'page.html'), '');
    expect(() => checkSite(noIndex)).toThrow(/no index\.html/);
    const withPr = site('x');
    mkdirSync(join(withPr, 'pr'));
    writeFileSync(join(withPr, 'pr/x.html'), '');
    expect(() => apply(tempDir(), { kind: 'main', site: withPr })).toThrow(/holds a pr\/ entry/);
    // Nothing written where the site was refused.
    const t = tempDir();
    expect(() => apply(t, { kind: 'preview', number: 9, site: withLink })).toThrow(PagesError);
    expect(readdirSync(t)).toEqual([]);
  });

  it('accepts only a pull request number, so nothing lands outside pr/<n>/', () => {
    expect(prNumber('42')).toBe(42);
    for (const bad of ['0', '-1', '1.5', '../1', '1/..', '', '07', '12345678901', ' 3'])
      expect(() => prNumber(bad), JSON.stringify(bad)).toThrow(/expected a pull request number/);
  });

  it('imports nothing but Node’s own modules and files of this repository that do the same (the trusted job runs it without installing anything)', () => {
    const seen = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const imports = [...readFileSync(file, 'utf8').matchAll(/^import (?:type )?[\s\S]*? from '([^']+)';$/gm)].map((m) => m[1]!);
      for (const i of imports) {
        if (i.startsWith('.')) walk(join(dirname(file), i));
        else expect(i, `${relative(root, file)} imports ${i}`).toMatch(/^node:/);
      }
    };
    walk(script);
    // pages.ts, the History page, the history entry's definition and the core modules it shares with the build.
    expect([...seen].map((f) => relative(root, f)).sort()).toEqual([
      'pipeline/src/core/format.ts',
      'pipeline/src/core/metrics.ts',
      'pipeline/src/core/stats.ts',
      'pipeline/src/history/entry.ts',
      'site/scripts/history-page.ts',
      'site/scripts/pages.ts',
    ]);
  });
});

describe('the gh-pages branch', () => {
  it('starts from nothing, gets one commit without parents per update, and keeps main and previews together', () => {
    const { origin, checkout } = repository();
    const log: string[] = [];
    updateBranch(checkout, { kind: 'main', site: site('main 1') }, { log: (l) => log.push(l) });
    updateBranch(checkout, { kind: 'preview', number: 7, site: site('pr 7') }, { log: (l) => log.push(l) });
    updateBranch(checkout, { kind: 'main', site: site('main 2') }, { open: [7], log: (l) => log.push(l) });
    expect(branchFiles(origin)).toEqual([
      '.nojekyll',
      '_astro/katex.css',
      'changes.html',
      'index.html',
      'pr/7/_astro/katex.css',
      'pr/7/changes.html',
      'pr/7/index.html',
      'pr/index.html',
    ]);
    expect(fileAt(origin, 'index.html')).toBe('<p>main 2</p>');
    expect(mustGit(origin, ['rev-list', '--count', 'gh-pages'])).toBe('1');
    expect(mustGit(origin, ['log', '-1', '--format=%s', 'gh-pages'])).toBe('Publish: main’s report');
    expect(log.filter((l) => l.startsWith('published to '))).toHaveLength(3);
    // These sites carry no history entry: said, and nothing recorded.
    expect(log.filter((l) => l.includes('has no history-entry.json'))).toHaveLength(2);
    expect(branchFiles(origin).some((f) => f.startsWith('history/'))).toBe(false);
    // The checkout is left as it was: no worktree, no scratch ref.
    expect(mustGit(checkout, ['worktree', 'list']).split('\n')).toHaveLength(1);
    expect(mustGit(checkout, ['for-each-ref', 'refs/hw1-pages/'])).toBe('');
  });

  it('lands two publishers that push at the same time (the loser starts again from the new tip)', async () => {
    const { origin, checkout } = repository();
    updateBranch(checkout, { kind: 'main', site: site('main') }, { log: () => {} });
    // A second checkout, as a second job on another runner has.
    const other = join(tempDir(), 'other');
    mustGit(root, ['clone', '--quiet', origin, other]);
    const publish = (cwd: string, n: number): Promise<{ code: number | null; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [script, 'preview', String(n), site(`pr ${n}`)], { cwd });
        let err = '';
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('close', (code) => resolve({ code, err }));
      });
    const results = await Promise.all([publish(checkout, 1), publish(other, 2), publish(checkout, 3), publish(other, 4)]);
    for (const r of results) expect(r.code, r.err).toBe(0);
    expect(branchFiles(origin).filter((f) => /^pr\/\d+\/index\.html$/.test(f))).toEqual([
      'pr/1/index.html',
      'pr/2/index.html',
      'pr/3/index.html',
      'pr/4/index.html',
    ]);
    expect(fileAt(origin, 'index.html')).toBe('<p>main</p>');
  }, 300_000);

  it('refuses to edit a --tree folder that holds someone else’s files, and keeps them', () => {
    const foreign = tempDir();
    writeFileSync(join(foreign, 'thesis.tex'), 'mine');
    const r = spawnSync(process.execPath, [script, 'main', site('x'), '--tree', foreign], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--tree .* holds files this script did not write/);
    expect(readFileSync(join(foreign, 'thesis.tex'), 'utf8')).toBe('mine');
    // An empty folder, and then the tree it became, are accepted.
    const fresh = tempDir();
    for (let i = 0; i < 2; i++) {
      const ok = spawnSync(process.execPath, [script, 'main', site(`x${i}`), '--tree', fresh], { encoding: 'utf8' });
      expect(ok.status, ok.stderr).toBe(0);
    }
    expect(existsSync(join(fresh, '.nojekyll'))).toBe(true);
  });

  it('says what is wrong with exit code 2 on the command line', () => {
    const { checkout } = repository();
    const bad = spawnSync(process.execPath, [script, 'preview', '../1', site('x')], { cwd: checkout, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error: expected a pull request number, got "\.\.\/1"/);
    const unknown = spawnSync(process.execPath, [script, 'main', site('x'), '--force'], { cwd: checkout, encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --force/);
    // A remote that git would read as an option runs nothing; a bad branch is refused at once, not after retries.
    const marker = join(tempDir(), 'ran');
    for (const args of [['--remote', `--upload-pack=touch ${marker}`], [`--remote=--upload-pack=touch ${marker}`]]) {
      const injected = spawnSync(process.execPath, [script, 'main', site('x'), ...args], { cwd: checkout, encoding: 'utf8' });
      expect(injected.status).toBe(2);
      expect(injected.stderr).toMatch(/--remote needs a value|--remote must name a remote or a URL, not an option/);
      expect(existsSync(marker)).toBe(false);
    }
    const branch = spawnSync(process.execPath, [script, 'main', site('x'), '--branch', 'a..b'], { cwd: checkout, encoding: 'utf8' });
    expect(branch.status).toBe(2);
    expect(branch.stderr).toMatch(/--branch: "a\.\.b" is not a valid branch name/);
    // Refused before the first fetch: no attempt to retry.
    expect(branch.stderr).not.toMatch(/attempt/);
    expect(() => updateBranch(checkout, { kind: 'remove', number: 1 }, { remote: '--upload-pack=true' })).toThrow(PagesError);
    const help = spawnSync(process.execPath, [script, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/pages\.ts preview <n> <site-dir>/);
  });
});
