/**
 * The GitHub workflows, read as data (they cannot run here): untrusted pull
 * request code runs with a read-only token and no secrets, the job that
 * writes runs only this repository's code, a fork's HTML is never served
 * from this repository's Pages, nothing from the event payload reaches a
 * shell line, and every action is pinned to a commit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { root } from '../helpers/helpers.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
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

describe('workflows', () => {
  it('pin every action to a full commit hash', () => {
    for (const [file, { data }] of Object.entries(workflows)) {
      for (const [name, job] of Object.entries(data.jobs)) {
        for (const step of job.steps.filter((s) => s.uses)) expect(step.uses, `${file} ${name}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      }
    }
  });

  it('never use pull_request_target, and keep the pull request’s build read-only and without secrets', () => {
    for (const [file, { data }] of Object.entries(workflows)) expect(Object.keys(data.on), file).not.toContain('pull_request_target');
    const build = workflows['preview.yml']!;
    expect(build.data.permissions).toEqual({ contents: 'read' });
    expect(build.text).not.toMatch(/secrets\./);
    for (const job of Object.values(build.data.jobs)) expect(job.permissions ?? {}).toEqual({});
  });

  it('write only from jobs that never check out or run the pull request’s code', () => {
    const publish = workflows['preview-comment.yml']!;
    for (const [name, job] of Object.entries(publish.data.jobs)) {
      expect(Object.values(job.permissions ?? {}), name).toContain('write');
      expect(
        job.steps.some((s) => s.uses?.startsWith('actions/checkout@')),
        name,
      ).toBe(false);
      expect(
        job.steps.some((s) => s.run),
        name,
      ).toBe(false);
    }
  });

  it('deploy to Pages only for pull requests from this repository’s own branches', () => {
    const pages = workflows['preview-comment.yml']!.data.jobs.pages!;
    expect(pages.if).toMatch(/github\.event\.workflow_run\.head_repository\.full_name == github\.repository/);
  });

  it('pass nothing from the event payload into a shell line', () => {
    for (const [file, { data }] of Object.entries(workflows)) {
      for (const job of Object.values(data.jobs))
        for (const step of job.steps.filter((s) => s.run)) expect(step.run, file).not.toMatch(/\$\{\{\s*github\.event/);
    }
  });
});
