/**
 * `npm run stage -- <name>`: runs one stage. Turbo calls the same entry
 * through the `stage:<name>` scripts of this package (written by npm run sync).
 * Only argv → runStage here: the results are computed below, in the runner.
 */
import { relative } from 'node:path';
import { parseCommandLine } from '../core/cli.ts';
import { profiles } from '../core/config.ts';
import { runMain, UsageError } from '../core/errors.ts';
import { duration } from '../core/format.ts';
import { checkTurboPaths, projectRoot } from '../core/paths.ts';
import { createLogger } from '../core/progress.ts';
import { backendNames } from '../runtime/backend.ts';
import { joinBoard } from '../runtime/board.ts';
import { watchAncestors } from '../runtime/lifeline.ts';
import { runStage } from '../runtime/run-stage.ts';

async function help(): Promise<string> {
  // Loaded only for --help: the registry is in no stage's cache key.
  const { stageList } = await import('../stages/registry.ts');
  return `Usage: npm run stage -- <stage> [--help]

Runs one experiment stage of the report and writes its artifact to
cache/artifacts/<stage>/artifact.json. Normally \`npx turbo run report\` runs
every stage that needs it; use this to run one by hand. It runs outside
turbo's cache: the next \`turbo run report\` does not know of this run and
trains the stage again. \`npx turbo run stage:<stage>\` runs one stage
through the cache (replayed when nothing changed, kept for the report).

Stages:
${stageList.map((s) => `  ${s.name.padEnd(30)} ${s.title}`).join('\n')}

Environment:
  HW1_PROFILE        ${profiles.join(' | ')} (default full): the budget, part of every cache key
  HW1_BACKEND        ${backendNames.join(' | ')} (default: the first that loads, in that order)
  HW1_ARTIFACTS_DIR  where artifacts go (default cache/artifacts)
  HW1_WORKERS        worker threads for a stage's independent runs (default: one per core)

Exit status: 0 done, 1 the stage failed, 2 bad input (usage, config, environment
variable or data file; the message says which).
`;
}

async function main(argv: string[]): Promise<number> {
  const usage = await help();
  const cl = parseCommandLine(argv, {}, usage, { maxPositionals: Number.POSITIVE_INFINITY });
  if (!cl) return 0;
  // No stage named: the usage, which lists the stages, and exit 2.
  if (cl.positionals.length === 0) {
    process.stdout.write(usage);
    return 2;
  }
  if (cl.positionals.length > 1) throw new UsageError(`expected one stage name, got ${cl.positionals.length}; see --help`);
  const name = cl.positionals[0]!;
  checkTurboPaths(['HW1_ARTIFACTS_DIR', 'HW1_CONFIG_DIR']);
  // The board (runtime/board.ts): this stage's status, and one line over every stage running, from one of them.
  // What the board says of itself (entries it skips) is said by the stage's log, once that exists.
  const early: string[] = [];
  let warn: (message: string) => void = (message) => {
    early.push(message);
  };
  const board = joinBoard(name, { warn: (message) => warn(message) });
  process.on('exit', () => board.leave());
  const log = createLogger(process.stdout, { prefix: `[${name}]`, report: board.report, overall: board.overall });
  warn = (message) => log.warn(message);
  for (const message of early) log.warn(message);
  // turbo sets TURBO_HASH for the tasks it runs; by hand, say what the cache will not know.
  if (!process.env.TURBO_HASH) log.info(`outside turbo's cache (the next report trains it again); \`npx turbo run stage:${name}\` caches it`);
  // Under turbo, the stage dies with its task (runtime/lifeline.ts): never an artifact for a task turbo saw fail.
  watchAncestors((who) => {
    log.warn(`stopping: ${who}, which runs this turbo task, is gone; no artifact is written`);
    process.exit(1);
  });
  const { file, manifest } = await runStage(name, { log });
  log.info(`done in ${duration(manifest.wallTimeSeconds)}: wrote ${relative(projectRoot, file) || file}`);
  return 0;
}

runMain(() => main(process.argv.slice(2)));
