/**
 * turbo's dry run (`turbo run report --dry=json`): every task of the report
 * with its hash and whether turbo's caches (local, and remote when
 * configured) hold it, without running anything. `npm run plan` lists the
 * stages it lacks; `npm run history` asks it of each commit.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../core/paths.ts';

export interface DryTask {
  taskId: string;
  /** "stage:<name>", "report". */
  task: string;
  hash: string;
  cache: { local: boolean; remote: boolean; status: string; source?: string };
}

/** The report's tasks in checkout `cwd` (extra arguments: e.g. --cache-dir). */
export function dryRun(cwd: string, env: NodeJS.ProcessEnv, args: readonly string[] = []): DryTask[] {
  const r = spawnSync(join(projectRoot, 'node_modules', '.bin', 'turbo'), ['run', 'report', '--dry=json', ...args], {
    cwd,
    env,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0)
    throw new Error(`turbo run report --dry=json failed (exit code ${r.status}):\n${(r.stderr ?? '').trim().split('\n').slice(-5).join('\n')}`);
  return (JSON.parse(r.stdout) as { tasks: DryTask[] }).tasks;
}
