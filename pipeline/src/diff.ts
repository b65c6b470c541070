/**
 * `npm run diff -- <base> [<head>]`: every stage's results at two revisions,
 * side by side. Each side is checked out in a temporary git worktree (the
 * working tree, by default, as a snapshot commit), its stages run through
 * turbo with this checkout's turbo cache (so a stage whose inputs are
 * unchanged is replayed, not retrained), and the report is built in compare
 * mode from the head's site code: figures overlay base and head, and a
 * "What changed" page tables every metric (pipeline/src/metrics.ts).
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { artifactPath, ArtifactError, manifestSchema, readArtifact, type Manifest } from './artifact.ts';
import { compareStage, orderStages, toMarkdown, toText, type Comparison, type SideInput } from './comparison.ts';
import { activeProfile, type Profile } from './config.ts';
import { runMain, UsageError } from './errors.ts';
import { projectRoot } from './hash.ts';
import { checkMetrics, loadMetrics } from './metrics.ts';
import { createLogger, formatDuration } from './progress.ts';
import type { StageSpec } from './stage.ts';
import {
  addWorktree,
  DiffError,
  git,
  missingLayout,
  provideNodeModules,
  removeWorktree,
  repositoryOf,
  resolveRevision,
  runProcess,
  snapshotWorkingTree,
  stopChildren,
  type SideName,
} from './worktree.ts';

const help = `Usage: npm run diff -- <base> [<head>] [--md | --json] [--out <dir>]

Compares every stage's results at two git revisions. <base> and <head> are
any revisions (branch, tag, hash, HEAD~1); <head> defaults to the working tree
(uncommitted and untracked files included). For each side the stages run in a
temporary git worktree through turbo, sharing this checkout's turbo cache:
a stage whose config, code and data are unchanged is replayed from the cache,
only the others train. The worktrees are removed afterwards, also on failure
or Ctrl-C.

Output: the report built in compare mode (every figure overlays base and head;
changes.html lists per stage what changed and every metric), in
site/dist-compare/ unless --out says otherwise, with comparison.json and
comparison.md beside it; and a summary on stdout.

Options:
  --md         print the metric table as Markdown (for a pull-request comment) instead of the summary
  --json       print the comparison as JSON instead of the summary
  --out <dir>  where to build the compare site (default site/dist-compare)
  --no-site    skip the site build (only the table)

Environment:
  HW1_PROFILE  full | quick (default full): the budget of both sides
  HW1_BACKEND, HW1_WORKERS, HW1_DATA_DIR apply to both sides as to \`npx turbo run report\`.

Progress goes to stderr. Exit status: 0 done, 1 a failure of the tool itself,
2 bad input (unknown revision, a revision without the project, a stage that
failed on one side; the message says which).
`;

interface Options {
  base: string;
  head: string | null;
  format: 'text' | 'md' | 'json';
  out: string;
  site: boolean;
}

function parseArgs(argv: string[]): Options | null {
  if (argv.includes('--help') || argv.includes('-h')) return null;
  const positional: string[] = [];
  let format: Options['format'] = 'text';
  let out = join(projectRoot, 'site', 'dist-compare');
  let site = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--md' || a === '--json') {
      if (format !== 'text') throw new UsageError('give at most one of --md and --json');
      format = a === '--md' ? 'md' : 'json';
    } else if (a === '--out') {
      const v = argv[++i];
      if (!v) throw new UsageError('--out needs a directory');
      out = resolve(v);
    } else if (a === '--no-site') site = false;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}; see --help`);
    else positional.push(a);
  }
  if (positional.length === 0) throw new UsageError('expected the base revision, e.g. npm run diff -- main; see --help');
  if (positional.length > 2) throw new UsageError(`expected at most two revisions (base and head), got ${positional.length}; see --help`);
  return { base: positional[0]!, head: positional[1] ?? null, format, out, site };
}

const log = createLogger(process.stderr, { prefix: '[diff]' });

interface TaskSummary {
  taskId: string;
  hash: string;
  cache: { status: string };
  execution?: { exitCode?: number | null } | null;
}

interface SideResult {
  side: SideName;
  rev: string | null;
  commit: string;
  label: string;
  dir: string;
  stages: ReadonlyArray<{ name: string; title: string }>;
  tasks: Map<string, TaskSummary>;
}

/** The environment a side's turbo and site build see: the user's, minus what would point them elsewhere. */
function sideEnv(profile: Profile, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: profile, ...extra };
  for (const k of ['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR', 'HW1_SITE_OUT', 'HW1_COMPARE']) if (!(k in extra)) delete env[k];
  return env;
}

function latestSummary(dir: string): { tasks: TaskSummary[] } | null {
  const runs = join(dir, '.turbo', 'runs');
  if (!existsSync(runs)) return null;
  const files = readdirSync(runs).filter((f) => f.endsWith('.json')).map((f) => join(runs, f));
  if (files.length === 0) return null;
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return JSON.parse(readFileSync(files[0]!, 'utf8')) as { tasks: TaskSummary[] };
}

function logTail(dir: string, stage: string, fallback: string[]): string {
  const file = join(dir, 'pipeline', '.turbo', `turbo-stage:${stage}.log`);
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : fallback;
  return lines.filter((l) => l.trim()).slice(-12).map((l) => `    ${l}`).join('\n');
}

async function prepareSide(side: SideName, rev: string | null, commit: string, label: string, dir: string, profile: Profile): Promise<SideResult> {
  const t0 = performance.now();
  const missing = missingLayout(dir);
  if (missing.length) {
    throw new DiffError(`the ${side} revision ${rev ?? 'working tree'} (${commit.slice(0, 10)}) does not have the project's layout: no ${missing.join(', ')}`);
  }
  const how = await provideNodeModules(projectRoot, dir, (l) => log.info(`${side}: ${l}`));
  log.info(`${side}: ${label} checked out in ${dir} (node_modules ${how === 'linked' ? 'linked to this checkout’s' : 'installed with npm ci'})`);
  // The dataset links turbo hashes, and the cached dataset hashes (keyed by file, so valid here too).
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const ids = join(projectRoot, 'cache', 'data-ids.json');
  if (existsSync(ids)) copyFileSync(ids, join(dir, 'cache', 'data-ids.json'));
  if (existsSync(join(dir, 'pipeline/src/link-datasets.ts'))) {
    const r = await runProcess(process.execPath, [join(dir, 'pipeline/src/link-datasets.ts')], { cwd: dir, env: sideEnv(profile) });
    if (r.code !== 0) throw new DiffError(`${side}: linking the datasets failed:\n${r.tail.join('\n')}`);
  }
  const stages = ((await import(pathToFileURL(join(dir, 'pipeline/src/stages/index.ts')).href)) as { stageList: ReadonlyArray<{ name: string; title: string }> }).stageList;
  const turbo = join(projectRoot, 'node_modules', '.bin', 'turbo');
  const args = ['run', ...stages.map((s) => `stage:${s.name}`), '--cache-dir', join(projectRoot, 'cache', 'turbo'), '--summarize', '--output-logs=new-only', '--log-order=stream'];
  log.info(`${side}: turbo run ${stages.length} stages (profile ${profile})`);
  const r = await runProcess(turbo, args, { cwd: dir, env: sideEnv(profile), onLine: (l) => process.stderr.write(`[${side}] ${l}\n`) });
  const summary = latestSummary(dir);
  const tasks = new Map((summary?.tasks ?? []).map((t) => [t.taskId.replace(/^@hw1\/pipeline#stage:/, ''), t]));
  if (r.code !== 0) {
    const failed = stages.filter((s) => {
      const code = tasks.get(s.name)?.execution?.exitCode;
      return code !== undefined && code !== null && code !== 0;
    });
    if (failed.length) {
      const s = failed[0]!;
      throw new DiffError(
        `stage "${s.name}" failed on the ${side} side (${label}): exit code ${tasks.get(s.name)!.execution!.exitCode}; the end of its log:\n${logTail(dir, s.name, r.tail)}`,
      );
    }
    throw new DiffError(`turbo failed on the ${side} side (${label}) with exit code ${r.code}:\n${r.tail.slice(-12).join('\n')}`);
  }
  const ran = [...tasks.entries()].filter(([, t]) => t.cache.status !== 'HIT').map(([n]) => n);
  log.info(`${side}: ${stages.length - ran.length} replayed from cache, ${ran.length ? `ran ${ran.join(', ')}` : 'none ran'} (${formatDuration((performance.now() - t0) / 1000)})`);
  return { side, rev, commit, label, dir, stages, tasks };
}

/** This checkout's spec of a stage (to validate an artifact's data before its metrics are computed), or null. */
async function specOf(stage: string): Promise<StageSpec | null> {
  const file = join(projectRoot, 'pipeline', 'src', 'stages', `${stage}.schema.ts`);
  if (!existsSync(file)) return null;
  const module = (await import(`./stages/${stage}.schema.ts`)) as Record<string, unknown>;
  const spec = Object.values(module).find((v): v is StageSpec => typeof v === 'object' && v !== null && (v as StageSpec).name === stage && 'dataSchema' in v);
  return spec ?? null;
}

async function sideInput(result: SideResult, stage: string): Promise<SideInput> {
  if (!result.stages.some((s) => s.name === stage)) return { status: 'absent', manifest: null, metrics: null, note: null };
  const status = result.tasks.get(stage)?.cache.status === 'HIT' ? 'replayed' : 'ran';
  const file = artifactPath(stage, join(result.dir, 'cache', 'artifacts'));
  let manifest: Manifest | null = null;
  try {
    manifest = manifestSchema.parse((JSON.parse(readFileSync(file, 'utf8')) as { manifest: unknown }).manifest);
  } catch (err) {
    throw new DiffError(`stage "${stage}" on the ${result.side} side (${result.label}) left no readable artifact at ${file}: ${(err as Error).message}`);
  }
  const spec = await specOf(stage);
  const metricsModule = await loadMetrics(stage);
  if (!spec || !metricsModule) return { status, manifest, metrics: null, note: `no metrics: this checkout has no ${spec ? `pipeline/src/stages/${stage}.metrics.ts` : `stage "${stage}"`}` };
  try {
    const artifact = readArtifact(file, stage, spec.schemaVersion, spec.dataSchema);
    return { status, manifest, metrics: checkMetrics(stage, metricsModule.metrics(artifact.data as never)), note: null };
  } catch (err) {
    if (err instanceof ArtifactError) return { status, manifest, metrics: null, note: `no metrics: its artifact does not match this checkout's schema of the stage` };
    throw err;
  }
}

async function compare(base: SideResult, head: SideResult, profile: Profile): Promise<Comparison> {
  const names = [...head.stages, ...base.stages.filter((b) => !head.stages.some((h) => h.name === b.name))];
  const stages = [];
  for (const { name, title } of names) stages.push(compareStage(name, title, await sideInput(base, name), await sideInput(head, name)));
  const side = (r: SideResult) => ({ rev: r.rev, commit: r.commit, label: r.label, artifacts: join(r.dir, 'cache', 'artifacts') });
  return { version: 1, profile, base: side(base), head: side(head), stages: orderStages(stages) };
}

async function buildSite(head: SideResult, comparisonFile: string, out: string, profile: Profile): Promise<void> {
  const t0 = performance.now();
  const astro = join(head.dir, 'node_modules', 'astro', 'bin', 'astro.mjs');
  log.info(`building the compare site into ${out}`);
  const r = await runProcess(process.execPath, [astro, 'build'], {
    cwd: join(head.dir, 'site'),
    env: sideEnv(profile, { HW1_SITE_OUT: out, HW1_COMPARE: comparisonFile, ASTRO_TELEMETRY_DISABLED: '1' }),
  });
  if (r.code !== 0) throw new DiffError(`the compare site did not build (head ${head.label}):\n${r.tail.slice(-20).join('\n')}`);
  log.info(`site built in ${formatDuration((performance.now() - t0) / 1000)}`);
}

async function main(argv: string[]): Promise<number> {
  const options = parseArgs(argv);
  if (!options) {
    process.stdout.write(help);
    return 0;
  }
  const profile = activeProfile();
  const { top, prefix } = repositoryOf(projectRoot);
  const baseCommit = resolveRevision(top, options.base, 'base');
  const headCommit = options.head === null ? null : resolveRevision(top, options.head, 'head');

  const t0 = performance.now();
  const scratch = mkdtempSync(join(tmpdir(), 'hw1-diff-'));
  const worktrees: string[] = [];
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    for (const dir of worktrees) removeWorktree(top, dir);
    rmSync(scratch, { recursive: true, force: true });
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n[diff] ${signal}: stopping and removing the temporary worktrees\n`);
    void stopChildren().finally(() => {
      cleanup();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', cleanup);

  try {
    const short = (c: string) => c.slice(0, 7);
    const results: SideResult[] = [];
    for (const side of ['base', 'head'] as const) {
      const rev = side === 'base' ? options.base : options.head;
      let commit: string;
      let label: string;
      if (rev !== null) {
        commit = side === 'base' ? baseCommit : headCommit!;
        label = commit.startsWith(rev) ? `${side} ${short(commit)}` : `${side} ${rev} (${short(commit)})`;
      } else {
        commit = snapshotWorkingTree(top, scratch);
        const onto = git(['rev-parse', '--verify', '--quiet', 'HEAD'], top);
        const dirty = git(['rev-parse', `${commit}^{tree}`], top) !== git(['rev-parse', 'HEAD^{tree}'], top);
        label = `head working tree (${dirty ? `uncommitted changes on ${short(onto)}` : short(onto)})`;
      }
      const dir = join(scratch, side);
      worktrees.push(dir);
      addWorktree(top, dir, commit);
      results.push(await prepareSide(side, rev, commit, label, join(dir, prefix), profile));
    }
    const [base, head] = results as [SideResult, SideResult];
    const comparison = await compare(base, head, profile);
    const file = join(scratch, 'comparison.json');
    writeFileSync(file, `${JSON.stringify(comparison, null, 2)}\n`);
    if (options.site) await buildSite(head, file, options.out, profile);
    mkdirSync(options.out, { recursive: true });
    cpSync(file, join(options.out, 'comparison.json'));
    writeFileSync(join(options.out, 'comparison.md'), toMarkdown(comparison));

    if (options.format === 'md') process.stdout.write(toMarkdown(comparison));
    else if (options.format === 'json') process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    else process.stdout.write(toText(comparison));
    const where = relative(process.cwd(), options.out) || '.';
    log.info(`done in ${formatDuration((performance.now() - t0) / 1000)}`);
    if (options.site) log.info(`compare site: ${join(where, 'index.html')} (what changed: ${join(where, 'changes.html')})`);
    else log.info(`table: ${join(where, 'comparison.md')}`);
    return 0;
  } catch (err) {
    // An interrupted diff's children fail; the signal handler reports and exits.
    if (interrupted) await new Promise(() => {});
    throw err;
  } finally {
    if (!interrupted) cleanup();
  }
}

runMain(() => main(process.argv.slice(2)));
