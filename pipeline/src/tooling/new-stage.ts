/**
 * `npm run new-stage -- <name>`: a working stage from the templates in
 * pipeline/templates/stage/ (a small MLP fitting sin(2πx), to replace with the
 * real experiment): its folder (spec, run, metrics), its config, its page,
 * its site view (figures, facts, checks) and its checks' tests, then the
 * derived files (tooling/sync.ts). Never overwrites a file.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../core/errors.ts';
import { pipelineRoot, projectRoot, stagesRoot } from '../core/paths.ts';
import { STAGE_NAME } from '../core/stage.ts';
import { sync } from './sync.ts';

export interface NewStageOptions {
  name: string;
  /** Its section title in the report; default from the name ("toy-stage" → "Toy stage"). */
  title?: string;
  /** Its section label, e.g. "2-1"; default the name. */
  section?: string;
}

const templates = join(pipelineRoot, 'templates', 'stage');

/** Where each template goes, relative to the project root. */
function targets(name: string): Array<[template: string, file: string]> {
  return [
    ['spec.ts', `pipeline/src/stages/${name}/spec.ts`],
    ['run.ts', `pipeline/src/stages/${name}/run.ts`],
    ['metrics.ts', `pipeline/src/stages/${name}/metrics.ts`],
    ['config.yaml', `content/experiments/${name}.yaml`],
    ['view.ts', `site/src/stages/${name}.ts`],
    ['checks.test.ts', `test/unit/checks/${name}.test.ts`],
    ['page.mdx', `content/report/${name}.mdx`],
  ];
}

/** The next free position after every page of the report. */
function nextOrder(): number {
  const dir = join(projectRoot, 'content', 'report');
  const orders = readdirSync(dir)
    .filter((f) => f.endsWith('.mdx'))
    .map((f) => {
      const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, f), 'utf8'));
      const order = front ? (parse(front[1]!) as { order?: unknown }).order : undefined;
      return typeof order === 'number' ? order : 0;
    });
  return Math.floor(Math.max(0, ...orders)) + 1;
}

/** Writes the stage's files and the derived ones; returns the paths written (relative to the project root). */
export async function newStage({ name, title, section }: NewStageOptions): Promise<string[]> {
  if (!STAGE_NAME.test(name))
    throw new InputError(`stage name "${name}": expected lower-case words of letters and digits joined by dashes, starting with a letter (e.g. "label-noise")`);
  if (existsSync(join(stagesRoot, name))) throw new InputError(`stage "${name}" exists already (pipeline/src/stages/${name}/)`);
  const files = targets(name);
  const taken = files.filter(([, file]) => existsSync(join(projectRoot, file))).map(([, file]) => file);
  if (taken.length) throw new InputError(`not overwriting ${taken.join(', ')}: pick another name or remove them`);
  const shownTitle = title ?? `${name[0]!.toUpperCase()}${name.slice(1).replace(/-/g, ' ')}`;
  if (/['`\\\n]/.test(shownTitle)) throw new InputError(`--title may not contain quotes, backslashes or line breaks, got ${JSON.stringify(shownTitle)}`);
  const values: Record<string, string> = {
    __NAME__: name,
    __PASCAL__: name.replace(/(^|-)([a-z0-9])/g, (_, _dash: string, c: string) => c.toUpperCase()),
    __TITLE__: shownTitle,
    __SECTION__: section ?? name,
    __ORDER__: String(nextOrder()),
  };
  const written: string[] = [];
  for (const [template, file] of files) {
    const text = readFileSync(join(templates, template), 'utf8').replace(/__[A-Z]+__/g, (token) => values[token] ?? token);
    mkdirSync(dirname(join(projectRoot, file)), { recursive: true });
    writeFileSync(join(projectRoot, file), text, { flag: 'wx' });
    written.push(file);
  }
  written.push(...(await sync()).written);
  return written;
}
