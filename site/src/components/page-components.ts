/**
 * The components a page's MDX gets: all of ./index.ts, except under
 * `npm run dev` when a stage the page reads has no artifact that can be read,
 * where each stands in as <Unavailable> (a build fails on such a stage instead).
 */
import { readable } from '../lib/data/artifacts.ts';
import { components } from './index.ts';
import Unavailable from './Unavailable.astro';

export function componentsFor(stages: readonly string[]): typeof components {
  if (stages.every(readable)) return components;
  return Object.fromEntries(Object.keys(components).map((name) => [name, Unavailable])) as unknown as typeof components;
}
