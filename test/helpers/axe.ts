/** axe-core in a page opened by Playwright: the serious and critical accessibility violations, in words. */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { root } from './helpers.ts';

const axeSource = join(root, 'node_modules/axe-core/axe.min.js');

export async function seriousViolations(page: Page, where: string): Promise<string[]> {
  await page.addScriptTag({ path: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${where}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(', ')}`);
}
