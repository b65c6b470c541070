/**
 * The GitHub workflows, read as data (they cannot run here) and checked by a
 * maintained validator: untrusted pull request code runs with a read-only
 * token and no secrets; a job that writes runs only this repository's own
 * code from its default branch, and never a step on the pull request's code
 * or its artifact; a fork's preview is published only after a maintainer's
 * label; nothing from the event payload reaches a shell line; every action
 * is pinned to a commit.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { root, tempDir } from '../helpers/helpers.ts';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface Job {
  if?: string;
  env?: Record<string, string>;
  needs?: string | string[];
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const dir = join(root, '.github/workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
const workflows = Object.fromEntries(
  files.map((f) => [f, { text: readFileSync(join(dir, f), 'utf8'), data: parse(readFileSync(join(dir, f), 'utf8')) as Workflow }]),
);
const jobs = () => Object.entries(workflows).flatMap(([file, { data }]) => Object.entries(data.jobs).map(([name, job]) => ({ file, name, job })));
const writes = (job: Job) => Object.values(job.permissions ?? {}).includes('write');

const validator = join(root, 'node_modules/.bin/action-validator');
const validate = (file: string) => spawnSync(validator, [file], { encoding: 'utf8' });

describe('workflows', () => {
  it('are the three this project ships: the preview build, its publication, and main’s publication', () => {
    expect(files.sort()).toEqual(['preview-publish.yml', 'preview.yml', 'publish.yml']);
  });

  it('pass a maintained validator (@action-validator/cli), which does reject a broken one', () => {
    for (const file of files) {
      const r = validate(join(dir, file));
      expect(r.status, `${file}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    const broken = join(tempDir(), 'broken.yml');
    writeFileSync(broken, workflows['publish.yml']!.text.replace('runs-on:', 'runs_on:'));
    expect(validate(broken).status).not.toBe(0);
  });

  it('pin every action to a full commit hash', () => {
    for (const { file, name, job } of jobs()) {
      for (const step of job.steps.filter((s) => s.uses)) expect(step.uses, `${file} ${name}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
  });

  it('never use pull_request_target, and keep the pull request’s build read-only and without secrets', () => {
    for (const [file, { data }] of Object.entries(workflows)) expect(Object.keys(data.on), file).not.toContain('pull_request_target');
    const build = workflows['preview.yml']!;
    expect(Object.keys(build.data.on)).toContain('pull_request');
    expect(build.data.permissions).toEqual({ contents: 'read' });
    // No secret that can write: only the read-only cache server's token and the key that checks what is read.
    expect([...new Set(build.text.match(/secrets\.\w+/g))].sort()).toEqual(['secrets.TURBO_READ_TOKEN', 'secrets.TURBO_REMOTE_CACHE_SIGNATURE_KEY']);
    const env = (build.data.jobs.build as Job & { env: Record<string, string> }).env;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
    expect(env.TURBO_API).toBe('${{ vars.TURBO_READ_API }}');
    expect(env.TURBO_CACHE).toBe('local:rw,remote:r');
    for (const job of Object.values(build.data.jobs)) expect(job.permissions ?? {}).toEqual({});
    // The checkout of the pull request's code keeps no token in .git/config.
    for (const job of Object.values(build.data.jobs))
      for (const s of job.steps.filter((x) => x.uses?.startsWith('actions/checkout@'))) expect(s.with?.['persist-credentials']).toBe(false);
  });

  it('give write access only to jobs of workflows no pull request triggers, running only the default branch’s code', () => {
    const writers = jobs().filter(({ job }) => writes(job));
    expect(writers.map((w) => `${w.file}:${w.name}`).sort()).toEqual(['preview-publish.yml:publish', 'publish.yml:publish']);
    for (const { file, name, job } of writers) {
      const on = Object.keys(workflows[file]!.data.on);
      expect(
        on.filter((e) => e.startsWith('pull_request')),
        file,
      ).toEqual([]);
      for (const step of job.steps) {
        const where = `${file} ${name} ${step.name ?? step.uses}`;
        // The only checkout is the default branch's, never a ref or commit named by the triggering run.
        if (step.uses?.startsWith('actions/checkout@')) {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
          expect(step.with?.ref, where).toBe('${{ github.event.repository.default_branch }}');
          expect(JSON.stringify(step.with), where).not.toMatch(/head_sha|head_branch|head\.ref|pull_request\.head/);
        }
        // Scripts read the artifact as text only: nothing from it is loaded or evaluated.
        if (typeof step.with?.script === 'string') expect(step.with.script, where).not.toMatch(/\brequire\(\s*['"][./]|\bimport\(|\beval\(|new Function/);
        if (!step.run) continue;
        // Shell steps run this repository's pages.ts (from that checkout) and nothing else: no install, no script from the artifact.
        expect(step['working-directory'], where).toBe('trusted');
        expect(step.run.trim(), where).toMatch(/^node site\/scripts\/pages\.ts (main|preview|remove) /);
        // …as one command: no second one chained, piped or substituted.
        expect(step.run.trim(), where).not.toMatch(/[;&|`\n]|\$\(/);
      }
    }
  });

  it('build main’s report with a read-only token, only from the default branch, fanned out over the stages the cache lacks', () => {
    const publish = workflows['publish.yml']!.data;
    expect(Object.keys(publish.on).sort()).toEqual(['push', 'workflow_dispatch']);
    expect(publish.permissions).toEqual({ contents: 'read' });
    for (const name of ['plan', 'stage', 'build']) expect(publish.jobs[name]!.permissions ?? {}, name).toEqual({});
    expect(publish.jobs.plan!.if).toBe('github.ref_name == github.event.repository.default_branch');
    const stage = publish.jobs.stage as Job & { strategy: { matrix: { stage: string } }; 'runs-on': string };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
    expect(stage.strategy.matrix.stage).toBe('${{ fromJSON(needs.plan.outputs.stages) }}');
    expect(stage['runs-on']).toMatch(/vars\.GPU_RUNNER/);
    expect(stage.steps.at(-1)!.run).toBe('npx turbo run "stage:$STAGE"');
    expect(publish.jobs.build!.needs).toEqual(['plan', 'stage']);
    expect(publish.jobs.build!.steps.some((s) => s.run?.includes("jq -e '.missing == []'"))).toBe(true);
    expect(publish.jobs.publish!.needs).toBe('build');
    // The job that writes holds no cache credential.
    expect(JSON.stringify(publish.jobs.publish)).not.toMatch(/secrets\.|TURBO_TOKEN/);
  });

  it('publish a fork’s preview only with a maintainer’s label, and check the pull request against the commit built', () => {
    const text = workflows['preview-publish.yml']!.text;
    expect(text).toMatch(/const fork = pull\.head\.repo\?\.full_name !== `\$\{owner\}\/\$\{repo\}`;/);
    expect(text).toMatch(/todo = !fork \|\| approved \? 'publish' : 'comment'/);
    expect(text).toMatch(/const approved = pull\.labels\.some\(\(l\) => l\.name === 'safe-to-preview'\);/);
    expect(text).toMatch(/if \(pull\.head\.sha !== run\.head_sha\) throw/);
    // Removal only for a pull request the API says is closed.
    expect(text).toMatch(/action === 'closed' && pull\.state === 'closed'/);
    const publish = workflows['preview-publish.yml']!.data.jobs.publish!;
    expect(publish.if).toMatch(/workflow_run\.event == 'pull_request'/);
  });

  it('pass nothing from the event payload or a step’s output into a shell line (only through env)', () => {
    for (const { file, job } of jobs()) {
      for (const step of job.steps.filter((s) => s.run)) expect(step.run, file).not.toMatch(/\$\{\{/);
    }
  });
});
