/**
 * Command line: `npm run stage -- <name>` runs one stage. Turbo calls the same
 * entry through the `stage:<name>` scripts of this package.
 */
import { profiles } from './config.ts';
import { runMain, UsageError } from './errors.ts';
import { backendNames } from './backend.ts';
import { runStage } from './run-stage.ts';
import { stageList } from './stages/index.ts';

const help = `Usage: npm run stage -- <stage> [--help]

Runs one experiment stage of the report and writes its artifact to
cache/artifacts/<stage>/artifact.json. Normally \`npx turbo run report\` runs
every stage that needs it; use this to run one by hand.

Stages:
${stageList.map((s) => `  ${s.name.padEnd(24)} ${s.title}`).join('\n')}

Environment:
  HW1_PROFILE        ${profiles.join(' | ')} (default full): the budget, part of every cache key
  HW1_BACKEND        ${backendNames.join(' | ')} (default: the first that loads, in that order)
  HW1_ARTIFACTS_DIR  where artifacts go (default cache/artifacts)

Exit status: 0 done, 1 the stage failed, 2 bad input (usage, config, environment
variable or data file; the message says which).
`;

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return argv.length === 0 ? 2 : 0;
  }
  const unknownFlag = argv.find((a) => a.startsWith('-'));
  if (unknownFlag) throw new UsageError(`unknown option ${unknownFlag}; see --help`);
  if (argv.length > 1) throw new UsageError(`expected one stage name, got ${argv.length}; see --help`);
  await runStage(argv[0]!);
  return 0;
}

runMain(() => main(process.argv.slice(2)));
