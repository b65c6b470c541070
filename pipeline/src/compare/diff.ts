/**
 * `npm run diff -- <base> [<head>]` (bin/diff.ts reads the command line):
 * every stage's results at two revisions, side by side. Each side is checked
 * out in a temporary git worktree (the working tree, by default, as a
 * snapshot commit), its stages run through turbo with this checkout's turbo
 * cache (so a stage whose inputs are unchanged is replayed, not retrained),
 * and the report is built in compare mode from the head's site code: figures
 * overlay base and head, and a "What changed" page tables every metric.
 *
 * A side's stages are read off its turbo.json (the `stage:<name>` tasks), so
 * a revision of another layout still compares.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Manifest, manifestSchema } from '../core/artifact.ts';
import type { Profile } from '../core/config.ts';
import { duration } from '../core/format.ts';
import { checkOutputDir, replaceOutputDir } from '../core/output-dir.ts';
import { artifactPath, projectRoot } from '../core/paths.ts';
import type { Logger } from '../core/progress.ts';
import { stageOfTask, stageTaskLayouts } from '../core/stage-task.ts';
import { specs } from '../stages/registry.ts';
import { type Comparison, compareStage, orderStages, type ReportChanges, reportChangesSchema, type SideInput, toMarkdown, toText } from './comparison.ts';
import { stageCodeChanges, stageConfigChanges } from './inputs.ts';
import { readStageMetrics } from './metrics.ts';
import { reuseNativeBuild } from './native.ts';
import {
  DiffError,
  git,
  missingLayout,
  provideNodeModules,
  repositoryOf,
  resolveRevision,
  runProcess,
  type SideName,
  snapshotWorkingTree,
  Worktrees,
} from './worktree.ts';

export interface DiffOptions {
  base: string;
  /** null: the working tree. */
  head: string | null;
  format: 'text' | 'md' | 'json';
  /** Where the compare site (and comparison.json/.md) go. */
  out: string;
  site: boolean;
  profile: Profile;
}

export interface TaskSummary {
  taskId: string;
  hash: string;
  cache: { status: string; source?: string };
  execution?: { exitCode?: number | null } | null;
}

export interface SideResult {
  side: SideName;
  rev: string | null;
  commit: string;
  label: string;
  dir: string;
  stages: ReadonlyArray<{ name: string; title: string }>;
  tasks: Map<string, TaskSummary>;
}

/** The stages a checkout has: its turbo.json's `stage:<name>` tasks, titled by this checkout's registry where it knows them. */
export function stagesOf(dir: string): Array<{ name: string; title: string }> {
  const turbo = JSON.parse(readFileSync(join(dir, 'turbo.json'), 'utf8')) as { tasks?: Record<string, unknown> };
  return Object.keys(turbo.tasks ?? {}).flatMap((task) => {
    const name = stageOfTask(task);
    if (!name) return [];
    const spec = (specs as Record<string, { title: string } | undefined>)[name];
    return [{ name, title: spec?.title ?? name }];
  });
}

/** The environment a side's turbo and site build see: the user's, minus what would point them elsewhere. */
export function sideEnv(profile: Profile, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HW1_PROFILE: profile, ...extra };
  // Full is the unset variable, the one cache key turbo has for it (see activeProfile).
  if (profile === 'full') delete env.HW1_PROFILE;
  for (const k of ['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR', 'HW1_SITE_OUT', 'HW1_COMPARE']) if (!(k in extra)) delete env[k];
  return env;
}

/** The newest run summary turbo wrote in `dir` (`--summarize`), or null. */
export function latestSummary(dir: string): { tasks: TaskSummary[] } | null {
  const runs = join(dir, '.turbo', 'runs');
  if (!existsSync(runs)) return null;
  const files = readdirSync(runs)
    .filter((f) => f.endsWith('.json'))
    .map((f) => join(runs, f));
  if (files.length === 0) return null;
  files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return JSON.parse(readFileSync(files[0]!, 'utf8')) as { tasks: TaskSummary[] };
}

/**
 * The end of a failed stage's log, as the stage wrote it: npm's own lines
 * about the failed script ("npm error …", the "> @hw1/stage-<name>@… stage:<name>" header)
 * are left out, so the failing config line or error is what shows.
 */
function logTail(dir: string, stage: string, fallback: string[]): string {
  // The stage's package: stages/<name>/, or pipeline/ in commits that ran every stage there.
  const packages = stageTaskLayouts(stage);
  const file = packages.map((p) => join(dir, p.dir, '.turbo', `turbo-stage:${stage}.log`)).find((f) => existsSync(f));
  // turbo's own output prefixes the task's lines with "<package>:stage:<name>: "; its log file does not.
  const prefixes = packages.map((p) => `${p.package}:stage:${stage}: `);
  const lines = file ? readFileSync(file, 'utf8').split('\n') : fallback.flatMap((l) => prefixes.filter((p) => l.startsWith(p)).map((p) => l.slice(p.length)));
  return lines
    .filter((l) => l.trim() && !/^\s*(npm (error|ERR!|warn|notice)\b|> \S+@\S+ \S+|> node )/.test(l))
    .slice(-12)
    .map((l) => `    ${l}`)
    .join('\n');
}

/**
 * Makes a checkout of another revision ready to run as its own report would:
 * node_modules (linked when the lockfile matches), the dataset links turbo
 * hashes and the cached dataset hashes, and its native kernels (the main
 * checkout's build when the sources are the same, else built as npm ci
 * would). Shared by `npm run diff` and `npm run history`.
 */
export async function prepareCheckout(dir: string, label: string, profile: Profile, log: (line: string) => void): Promise<void> {
  const how = await provideNodeModules(projectRoot, dir, log);
  log(`${label} checked out in ${dir} (node_modules ${how === 'linked' ? 'linked to this checkout’s' : 'installed with npm ci'})`);
  // The dataset links turbo hashes, and the cached dataset hashes (keyed by file, so valid here too).
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const ids = join(projectRoot, 'cache', 'data-ids.json');
  if (existsSync(ids)) copyFileSync(ids, join(dir, 'cache', 'data-ids.json'));
  const linked = await runProcess('npm', ['run', '--silent', 'datasets'], { cwd: dir, env: sideEnv(profile) });
  if (linked.code !== 0) throw new DiffError(`${label}: linking the datasets (npm run datasets) failed:\n${linked.tail.join('\n')}`);
  // Linked node_modules skip the install's build of the native kernels: the revision gets its own, as npm ci
  // would, so it runs (and is cached) as its report would. A revision without them has no such script.
  const scripts = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
  if (how === 'linked' && scripts['build:native']) {
    if (reuseNativeBuild(projectRoot, dir)) {
      log('native kernels: the same sources as this checkout’s build, reused');
      return;
    }
    const built = await runProcess('npm', ['run', '--silent', 'build:native'], { cwd: dir, env: sideEnv(profile) });
    const said = built.tail
      .filter((l) => l.trim())
      .at(-1)
      ?.trim();
    log(said ?? `npm run build:native exited ${built.code}`);
  }
}

async function prepareSide(side: SideName, rev: string | null, commit: string, label: string, dir: string, profile: Profile, log: Logger): Promise<SideResult> {
  const t0 = performance.now();
  const missing = missingLayout(dir);
  if (missing.length) {
    throw new DiffError(`the ${side} revision ${rev ?? 'working tree'} (${commit.slice(0, 10)}) does not have the project's layout: no ${missing.join(', ')}`);
  }
  await prepareCheckout(dir, label, profile, (l) => log.info(`${side}: ${l}`));
  const stages = stagesOf(dir);
  const turbo = join(projectRoot, 'node_modules', '.bin', 'turbo');
  const args = [
    'run',
    ...stages.map((s) => `stage:${s.name}`),
    '--cache-dir',
    join(projectRoot, 'cache', 'turbo'),
    '--summarize',
    '--output-logs=new-only',
    '--log-order=stream',
  ];
  log.info(`${side}: turbo run ${stages.length} stages (profile ${profile})`);
  const r = await runProcess(turbo, args, { cwd: dir, env: sideEnv(profile), onLine: (l) => process.stderr.write(`[${side}] ${l}\n`) });
  const summary = latestSummary(dir);
  const tasks = new Map((summary?.tasks ?? []).map((t) => [stageOfTask(t.taskId) ?? t.taskId, t]));
  if (r.code !== 0) {
    const failed = stages.filter((s) => {
      const code = tasks.get(s.name)?.execution?.exitCode;
      return code !== undefined && code !== null && code !== 0;
    });
    if (failed.length) {
      const s = failed[0]!;
      throw new DiffError(
        `stage "${s.name}" failed on the ${side} side (${label}): exit code ${tasks.get(s.name)!.execution!.exitCode}; the end of its log (npm's lines left out):\n${logTail(dir, s.name, r.tail)}`,
      );
    }
    throw new DiffError(`turbo failed on the ${side} side (${label}) with exit code ${r.code}:\n${r.tail.slice(-12).join('\n')}`);
  }
  const ran = [...tasks.entries()].filter(([, t]) => t.cache.status !== 'HIT').map(([n]) => n);
  log.info(
    `${side}: ${stages.length - ran.length} replayed from cache, ${ran.length ? `ran ${ran.join(', ')}` : 'none ran'} (${duration((performance.now() - t0) / 1000)})`,
  );
  return { side, rev, commit, label, dir, stages, tasks };
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
  const read = await readStageMetrics(file, stage);
  return { status, manifest, metrics: read.metrics, note: read.note };
}

export async function compare(base: SideResult, head: SideResult, profile: Profile): Promise<Comparison> {
  const names = [...head.stages, ...base.stages.filter((b) => !head.stages.some((h) => h.name === b.name))];
  const stages = [];
  for (const { name, title } of names) {
    const inputs = { configFields: stageConfigChanges(base.dir, head.dir, name), codeFiles: stageCodeChanges(base.dir, head.dir, name) };
    stages.push(compareStage(name, title, await sideInput(base, name), await sideInput(head, name), inputs));
  }
  const side = (r: SideResult) => ({ rev: r.rev, commit: r.commit, label: r.label, artifacts: join(r.dir, 'cache', 'artifacts') });
  return { version: 1, profile, base: side(base), head: side(head), stages: orderStages(stages) };
}

async function buildSite(head: SideResult, comparisonFile: string, out: string, profile: Profile, log: Logger): Promise<void> {
  const t0 = performance.now();
  log.info(`building the compare site into ${out}`);
  const env = sideEnv(profile, { HW1_SITE_OUT: out, HW1_COMPARE: comparisonFile, ASTRO_TELEMETRY_DISABLED: '1' });
  // The head's own safe build (into a directory beside `out`, swapped in when complete); a head from before it existed builds with astro directly.
  const script = join(head.dir, 'site', 'scripts', 'build.ts');
  const r = existsSync(script)
    ? await runProcess(process.execPath, [script], { cwd: join(head.dir, 'site'), env })
    : await runProcess(process.execPath, [join(head.dir, 'node_modules', 'astro', 'bin', 'astro.mjs'), 'build'], { cwd: join(head.dir, 'site'), env });
  if (r.code !== 0) throw new DiffError(`the compare site did not build (head ${head.label}):\n${r.tail.slice(-20).join('\n')}`);
  log.info(`site built in ${duration((performance.now() - t0) / 1000)}`);
}

/** What the compare site wrote about its claims and figures (site/src/lib/claims/claims-log.ts). */
function readReportChanges(out: string): ReportChanges | undefined {
  const file = join(out, 'report-changes.json');
  // A head whose site code predates the list writes none: the tables then leave it out.
  return existsSync(file) ? reportChangesSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined;
}

/** Runs the comparison, writes the site and tables, prints the chosen output to stdout; 0 when done. */
export async function diff(options: DiffOptions, log: Logger): Promise<number> {
  const { profile } = options;
  // Before any work: an output directory holding someone else's files is refused, not emptied.
  checkOutputDir(options.out, '--out');
  const { top, prefix } = repositoryOf(projectRoot);
  const baseCommit = resolveRevision(top, options.base, 'base');
  const headCommit = options.head === null ? null : resolveRevision(top, options.head, 'head');

  const t0 = performance.now();
  const worktrees = new Worktrees(top, 'hw1-diff-', '[diff]');
  const scratch = worktrees.scratch;

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
      const dir = worktrees.add(side, commit);
      results.push(await prepareSide(side, rev, commit, label, join(dir, prefix), profile, log));
    }
    const [base, head] = results as [SideResult, SideResult];
    const comparison = await compare(base, head, profile);
    const file = join(scratch, 'comparison.json');
    writeFileSync(file, `${JSON.stringify(comparison, null, 2)}\n`);
    const tables = (dir: string) => {
      mkdirSync(dir, { recursive: true });
      cpSync(file, join(dir, 'comparison.json'));
      writeFileSync(join(dir, 'comparison.md'), toMarkdown(comparison));
    };
    if (options.site) {
      await buildSite(head, file, options.out, profile, log);
      // The site found which claims and figures changed; the tables say so too.
      const report = readReportChanges(options.out);
      if (report) comparison.report = report;
      writeFileSync(file, `${JSON.stringify(comparison, null, 2)}\n`);
      tables(options.out);
    } else {
      await replaceOutputDir(options.out, async (dir) => tables(dir), { what: 'comparison', variable: '--out', log: (l) => log.info(l) });
    }

    if (options.format === 'md') process.stdout.write(toMarkdown(comparison));
    else if (options.format === 'json') process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
    else process.stdout.write(toText(comparison));
    const where = relative(process.cwd(), options.out) || '.';
    log.info(`done in ${duration((performance.now() - t0) / 1000)}`);
    if (options.site) log.info(`compare site: ${join(where, 'index.html')} (what changed: ${join(where, 'changes.html')})`);
    else log.info(`table: ${join(where, 'comparison.md')}`);
    return 0;
  } catch (err) {
    // An interrupted diff's children fail; the signal handler reports and exits.
    if (worktrees.interrupted) await new Promise(() => {});
    throw err;
  } finally {
    if (!worktrees.interrupted) worktrees.dispose();
  }
}
