/**
 * `npm run dev` with live data. The dev server watches the stage configs, the
 * artifacts and the pipeline's code; any change there bumps a generation that
 * ./artifacts.ts reads (every artifact is checked again on the next request)
 * and reloads the open pages. Only `astro dev` installs the watcher: a build
 * never sees a generation, reads each artifact once and refuses a stale one.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { ARTIFACT_FILE, artifactsRoot, configFile, projectRoot, sourceRoot } from '@hw1/pipeline/paths';
import type { AstroIntegration } from 'astro';
import type { Plugin } from 'vite';

// On globalThis: astro.config.mjs loads this module through Node and the pages load it through Vite's module
// runner, two instances in one process that must see the same generation.
const key = Symbol.for('hw1.live-data');
interface LiveState {
  generation: number;
}
const shared = globalThis as { [key]?: LiveState };

/** The data generation under `npm run dev` (it changes with every config, artifact or pipeline code change); undefined in a build. */
export const liveGeneration = (): number | undefined => shared[key]?.generation;

const inside = (file: string, dir: string): boolean => file.startsWith(dir + sep);

/** A file's stamp (modification time and size), or '' when it is not there. */
function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return '';
  }
}

/** The artifact files in `dir` and its folders (a stage's folder, or the artifacts root itself when it is new). */
function artifactFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => basename(f) === ARTIFACT_FILE)
      .map((f) => join(dir, f));
  } catch {
    return []; // gone again
  }
}

/**
 * When to look into a folder that has just appeared under the artifacts root, in ms. The watcher reads a new
 * folder before it watches it, so a file renamed into it in between (a stage's atomic write, ms after its
 * mkdir) is never reported; on a busy machine that window is long. Looking again a few times after the folder
 * appeared finds such a file; a file the watcher did report is not reported twice.
 */
export const NEW_FOLDER_LOOKS = [200, 1_000, 3_000, 10_000];

/** The Vite plugin: watch where the data come from; on a change, a new generation and a full reload of the open pages. */
export function liveDataPlugin(): Plugin {
  return {
    name: 'hw1-live-data',
    apply: 'serve',
    configureServer(server) {
      const state: LiveState = { generation: 0 };
      shared[key] = state;
      const artifacts = artifactsRoot();
      const configs = dirname(configFile('stage'));
      // What a page's numbers depend on: an artifact (written by a stage, or restored by turbo), a config, the code (the code hash).
      const relevant = (file: string) =>
        (inside(file, artifacts) && basename(file) === ARTIFACT_FILE) ||
        (inside(file, configs) && file.endsWith('.yaml')) ||
        (inside(file, sourceRoot) && file.endsWith('.ts'));
      server.watcher.add([artifacts, configs, sourceRoot]);
      const changed = new Set<string>();
      // The stamp of each artifact file when it was last reported, so that a look into a new folder reports only what the watcher missed.
      const reported = new Map<string, string>();
      let timer: NodeJS.Timeout | undefined;
      const onChange = (path: string) => {
        const file = resolve(path);
        if (!relevant(file)) return;
        if (inside(file, artifacts)) reported.set(file, stamp(file));
        // At once, so any request from now on checks the artifacts again; the reload waits for a burst of writes to end.
        state.generation++;
        changed.add(inside(file, projectRoot) ? relative(projectRoot, file) : file);
        clearTimeout(timer);
        timer = setTimeout(() => {
          server.config.logger.info(`data changed (${[...changed].join(', ')}): reloading the page`, { timestamp: true });
          changed.clear();
          server.ws.send({ type: 'full-reload', path: '*' });
        }, 150);
      };
      for (const event of ['add', 'change', 'unlink'] as const) server.watcher.on(event, onChange);
      server.watcher.on('addDir', (path) => {
        const dir = resolve(path);
        if (dir !== artifacts && !inside(dir, artifacts)) return;
        const look = () => {
          for (const file of artifactFiles(dir)) if (reported.get(file) !== stamp(file)) onChange(file);
        };
        // unref: a look still to come does not keep a stopped server's process alive.
        for (const ms of NEW_FOLDER_LOOKS) setTimeout(look, ms).unref();
      });
    },
  };
}

/** The integration astro.config.mjs installs: the plugin above, in `astro dev` only. */
export function liveData(): AstroIntegration {
  return {
    name: 'hw1-live-data',
    hooks: {
      'astro:config:setup': ({ command, updateConfig }) => {
        if (command === 'dev') updateConfig({ vite: { plugins: [liveDataPlugin()] } });
      },
    },
  };
}

const shellWord = (s: string): string => (/^[\w./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`);

/**
 * The commands that bring a stage's artifact up to date, for the banner: through turbo's cache (the stage alone,
 * then the whole report), or, where HW1_ARTIFACTS_DIR or HW1_CONFIG_DIR moves the data away from what turbo
 * caches (turbo refuses them), the stage run directly with the same settings. `force` also replaces a damaged
 * copy that turbo would otherwise restore from its cache.
 */
export function updateCommands(stage: string, profile: string, force = false, env: NodeJS.ProcessEnv = process.env): string[] {
  const vars: string[] = profile === 'full' ? [] : [`HW1_PROFILE=${profile}`];
  const moved = [
    artifactsRoot(env) !== artifactsRoot({}) && `HW1_ARTIFACTS_DIR=${shellWord(env.HW1_ARTIFACTS_DIR ?? '')}`,
    configFile('stage', env) !== configFile('stage', {}) && `HW1_CONFIG_DIR=${shellWord(env.HW1_CONFIG_DIR ?? '')}`,
  ].filter((v): v is string => Boolean(v));
  const prefix = (more: string[]) => [...vars, ...more].map((v) => `${v} `).join('');
  if (moved.length) return [`${prefix(moved)}npm run stage -- ${stage}`];
  return [`${prefix([])}npx turbo run stage:${stage}${force ? ' --force' : ''}`, `${prefix([])}npx turbo run report`];
}
