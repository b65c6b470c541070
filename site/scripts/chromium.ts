/**
 * Debian's Chromium driven by playwright-core (never a browser download): the
 * flags that make it run headless in a container without reaching the network,
 * and a fresh profile directory each time.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@hw1/pipeline/errors';
import { type BrowserContext, chromium } from 'playwright-core';

export const chromiumPath = process.env.HW1_CHROMIUM ?? '/usr/bin/chromium';

export const chromiumFlags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const hasChromium = (): boolean => existsSync(chromiumPath);

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(options: { javaScriptEnabled?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  if (!hasChromium())
    throw new InputError(`no Chromium at ${chromiumPath}: install Debian's package (apt-get install chromium) or set HW1_CHROMIUM to its path`);
  const profile = mkdtempSync(join(tmpdir(), 'hw1-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: chromiumFlags,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    viewport: options.viewport ?? { width: 1100, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
