/**
 * npm run publish:local: the publish workflows rehearsed on this machine.
 * Builds main's report as .github/workflows/publish.yml does (turbo run report
 * with a PDF link, its summary for the History page, then npm run pdf), a pull request's compare site as
 * preview.yml does (npm run diff, linking back to main's report), puts both on
 * the gh-pages branch of a scratch repository with site/scripts/pages.ts (what
 * the trusted jobs run), checks that branch out and serves it under a
 * sub-path of 127.0.0.1, as GitHub Pages serves https://<owner>.github.io/<repo>/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseCommandLine } from '@hw1/pipeline/cli';
import { InputError, runMain } from '@hw1/pipeline/errors';
import { projectRoot, siteOutDir } from '@hw1/pipeline/paths';
import { mustGit, PagesError, prNumber, updateBranch } from './pages.ts';
import { printReport } from './pdf.ts';
import { serveDirectory } from './static-server.ts';
import { walkSite } from './walk-site.ts';

const usage = `npm run publish:local [-- options]

Rehearses publishing: main's report at the root of a scratch gh-pages branch,
one pull request's compare site under pr/<n>/, served under a sub-path on
127.0.0.1 as GitHub Pages would serve them. HW1_PROFILE applies as to
\`npx turbo run report\` (HW1_PROFILE=quick for a fast rehearsal).

options:
  --base <rev>      the base the preview compares with (default HEAD)
  --pr <n>          the preview's pull request number (default 1)
  --sub-path <p>    where the site is served (default /hw1-report, as /<repo>/)
  --site <dir>      publish this built report instead of building one
  --preview <dir>   publish this compare site instead of running npm run diff
  --no-pdf          no PDF (faster; the report then has no PDF link)
  --origin <dir>    the scratch "origin" repository, kept between runs (made
                    when absent): each run then adds its report to the same
                    History page, as successive publishes of main do
  --port <n>        serve on this port (default: a free one)
  --check           walk every page in Chromium (links, assets, fonts, figures,
                    the previews' links back to main) and exit: 0 when all is well
  -h, --help        this text`;

interface Options {
  base: string;
  pr: number;
  subPath: string;
  site: string | null;
  preview: string | null;
  pdf: boolean;
  origin: string | null;
  port: number | undefined;
  check: boolean;
}

function parse(argv: string[]): Options | null {
  const cl = parseCommandLine(
    argv,
    {
      base: { type: 'string' },
      pr: { type: 'string' },
      'sub-path': { type: 'string' },
      site: { type: 'string' },
      preview: { type: 'string' },
      'no-pdf': { type: 'boolean' },
      origin: { type: 'string' },
      port: { type: 'string' },
      check: { type: 'boolean' },
    },
    usage,
  );
  if (!cl) return null;
  const v = cl.values;
  const cwd = process.env.INIT_CWD ?? process.cwd();
  const o: Options = {
    base: v.base ?? 'HEAD',
    pr: v.pr === undefined ? 1 : prNumber(v.pr),
    subPath: `/${(v['sub-path'] ?? 'hw1-report').replace(/^\/+|\/+$/g, '')}`,
    site: v.site === undefined ? null : resolve(cwd, v.site),
    preview: v.preview === undefined ? null : resolve(cwd, v.preview),
    pdf: !v['no-pdf'],
    origin: v.origin === undefined ? null : resolve(cwd, v.origin),
    port: v.port === undefined ? undefined : Number(v.port),
    check: Boolean(v.check),
  };
  if (!/^(\/[\w.-]+)+$/.test(o.subPath)) throw new InputError(`--sub-path: expected a path like /hw1-report, got ${o.subPath}`);
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) throw new InputError(`--port: expected a port number`);
  for (const dir of [o.site, o.preview]) if (dir && !existsSync(join(dir, 'index.html'))) throw new InputError(`${dir}: no built site (index.html)`);
  return o;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): void {
  process.stderr.write(`publish:local: ${what}\n`);
  const r = spawnSync(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new InputError(`${what} failed (${r.signal ?? `exit code ${r.status}`})`);
}

async function main(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (!o) return 0;
  const npx = join(projectRoot, 'node_modules', '.bin');
  const env = { ...process.env, PATH: `${npx}:${process.env.PATH}` };
  for (const k of ['HW1_SITE_OUT', 'HW1_COMPARE', 'HW1_MAIN_REPORT', 'HW1_SITE_PDF']) delete env[k];
  const scratch = mkdtempSync(join(tmpdir(), 'hw1-publish-'));
  const log = (line: string) => process.stderr.write(`publish:local: ${line}\n`);
  try {
    // 1. Main's report, as publish.yml builds it.
    let site = o.site;
    if (!site) {
      run('turbo', ['run', 'report'], o.pdf ? { ...env, HW1_SITE_PDF: 'report.pdf' } : env, 'main’s report: npx turbo run report');
      site = siteOutDir(env);
      run('npm', ['run', '--silent', 'history', '--', '--record', site], env, 'the build’s summary for the History page: npm run history -- --record');
      if (o.pdf) {
        const pages = await printReport(site, join(site, 'report.pdf'));
        process.stderr.write(`publish:local: printed report.pdf (${pages} pages)\n`);
      }
    }
    // 2. The pull request's compare site, as preview.yml builds it.
    let preview = o.preview;
    if (!preview) {
      preview = join(scratch, 'preview');
      run(
        'npm',
        ['run', '--silent', 'diff', '--', o.base, '--out', preview],
        { ...env, HW1_MAIN_REPORT: '../../index.html' },
        `pull request #${o.pr}'s compare site: npm run diff -- ${o.base}`,
      );
    }
    // 3. Both on the gh-pages branch of a scratch "origin", as the trusted jobs put them there.
    const origin = o.origin ?? join(scratch, 'origin.git');
    const checkout = join(scratch, 'checkout');
    if (!existsSync(join(origin, 'HEAD'))) mustGit(scratch, ['init', '--quiet', '--bare', origin]);
    else log(`adding to the published site in ${origin}`);
    mustGit(scratch, ['init', '--quiet', checkout]);
    mustGit(checkout, ['commit', '--quiet', '--allow-empty', '-m', 'the repository publishing is rehearsed for']);
    mustGit(checkout, ['remote', 'add', 'origin', origin]);
    updateBranch(checkout, { kind: 'main', site }, { open: [], log });
    updateBranch(checkout, { kind: 'preview', number: o.pr, site: preview }, { open: [o.pr], log });
    const served = join(scratch, 'served');
    mustGit(scratch, ['clone', '--quiet', '--branch', 'gh-pages', origin, served]);
    rmSync(join(served, '.git'), { recursive: true, force: true });

    // 4. Served under the sub-path, as GitHub Pages would.
    const server = await serveDirectory(served, { prefix: o.subPath, port: o.port });
    try {
      const root = `${server.url}/index.html`;
      const previewRoot = `${server.url}/pr/${o.pr}/index.html`;
      if (!o.check) {
        console.log(`main's report:      ${root}\npull request #${o.pr}:   ${previewRoot}\nall previews:       ${server.url}/pr/index.html\n(Ctrl-C to stop)`);
        await new Promise<void>((done) => {
          process.once('SIGINT', done);
          process.once('SIGTERM', done);
        });
        return 0;
      }
      const walk = await walkSite([root, `${server.url}/pr/index.html`], { scope: `${server.url}/` });
      const previewPages = walk.pages.filter((p) => p.url.startsWith(`${server.url}/pr/${o.pr}/`));
      const problems = [...walk.problems];
      if (!walk.pages.some((p) => p.url === previewRoot)) problems.push(`the preview's index ${previewRoot} is not linked from pr/index.html`);
      for (const p of previewPages) {
        if (p.mainReport !== root) problems.push(`${p.url}: links to main's report as ${p.mainReport ?? 'nothing'}, expected ${root}`);
      }
      console.log(
        `walked ${walk.pages.length} pages (${previewPages.length} of pull request #${o.pr}) and ${walk.files.length} other files under ${server.url}/: ${walk.pages.reduce(
          (n, p) => n + p.figures,
          0,
        )} figures, ${problems.length} problems`,
      );
      for (const p of problems) console.log(`  ${p}`);
      return problems.length ? 1 : 0;
    } finally {
      await server.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

runMain(async () => {
  try {
    return await main(process.argv.slice(2));
  } catch (err) {
    // A refused site or a bad pull request number: the user's input, exit code 2.
    if (err instanceof PagesError) throw new InputError(err.message);
    throw err;
  }
});
