/** `npm run pdf` on bad input: a clear message and exit code 2, never a stack trace. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, tempDir } from '../helpers/helpers.ts';

function pdf(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [join(root, 'site/scripts/pdf.ts'), ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run pdf, bad input', () => {
  it('says the report is not built and how to build it', () => {
    const r = pdf([], { HW1_SITE_OUT: tempDir() });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: no built report in .*\(print\.html is missing\)\.\nBuild it first: npx turbo run report/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('names an output directory that does not exist', () => {
    const site = tempDir();
    writeFileSync(join(site, 'print.html'), '<!doctype html><title>x</title>');
    const r = pdf([join(site, 'no-such-dir', 'report.pdf')], { HW1_SITE_OUT: site });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: the directory for .*no-such-dir\/report\.pdf does not exist/);
  });

  it('says where it looked for Chromium and how to install it', () => {
    const site = tempDir();
    writeFileSync(join(site, 'print.html'), '<!doctype html><title>x</title>');
    const r = pdf([], { HW1_SITE_OUT: site, HW1_CHROMIUM: join(site, 'no-chromium') });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error: no Chromium at .*no-chromium: install Debian's package \(apt-get install chromium\) or set HW1_CHROMIUM/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
