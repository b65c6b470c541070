/**
 * npm run plan: which stages the caches lack for the current profile and
 * backend, as JSON, from turbo's own dry run (`turbo run report --dry=json`):
 * the list a CI matrix fans out over, one job per missing stage. With a remote
 * cache configured (TURBO_API, TURBO_TOKEN, TURBO_TEAM) an entry there counts
 * as present.
 */
import { dryRun } from '../compare/turbo.ts';
import { parseCommandLine } from '../core/cli.ts';
import { activeProfile } from '../core/config.ts';
import { runMain } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';

const usage = `npm run plan [-- --help]

Prints, as JSON, the stages whose results neither turbo's local cache nor the
remote cache (if TURBO_API, TURBO_TOKEN and TURBO_TEAM are set) holds for the
current HW1_PROFILE and HW1_BACKEND:

  { "profile": "full", "backend": "auto", "remote": true,
    "missing": ["minimal-ratio", …],          one CI job each
    "cached": [{ "stage": "…", "source": "LOCAL" | "REMOTE" }, …] }

turbo's dry run asks the remote cache whether it holds an entry, not whether
its signature verifies: an entry altered on the server is listed as cached
and recomputed (and said so) by the run that meets it.`;

export interface Plan {
  profile: string;
  backend: string;
  remote: boolean;
  missing: string[];
  cached: Array<{ stage: string; source: string; hash: string }>;
}

/** The plan from turbo's dry run in `cwd` (the project root). */
export function plan(cwd = projectRoot, env: NodeJS.ProcessEnv = process.env): Plan {
  // Checked as under turbo (which this plans for): a spelled-out HW1_PROFILE=full is refused here too.
  const profile = activeProfile({ ...env, TURBO_HASH: 'plan' });
  const stages = dryRun(cwd, env).filter((t) => /^stage:/.test(t.task));
  return {
    profile,
    backend: env.HW1_BACKEND || 'auto',
    remote: Boolean(env.TURBO_API && env.TURBO_TOKEN),
    missing: stages.filter((t) => t.cache.status !== 'HIT').map((t) => t.task.slice('stage:'.length)),
    cached: stages
      .filter((t) => t.cache.status === 'HIT')
      .map((t) => ({ stage: t.task.slice('stage:'.length), source: t.cache.source ?? (t.cache.local ? 'LOCAL' : 'REMOTE'), hash: t.hash })),
  };
}

if (import.meta.main) {
  runMain(async () => {
    if (!parseCommandLine(process.argv.slice(2), {}, usage)) return 0;
    console.log(JSON.stringify(plan(), null, 2));
    return 0;
  });
}
