/**
 * Makes a built site independent of where it is served: Astro writes its
 * bundled assets (KaTeX's stylesheet, its fonts) as root-absolute URLs
 * (`/_astro/…`), which break under a sub-path (`https://owner.github.io/repo/`)
 * and from `file://`. They are rewritten relative to the file that names them,
 * so one build works at a domain root, under any sub-path and from disk.
 * Anything root-absolute left afterwards fails the build, naming the file.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Files under `dir` (relative paths, `/`-separated). */
function files(dir: string, under = ''): string[] {
  return readdirSync(join(dir, under), { withFileTypes: true }).flatMap((e) => {
    const path = under ? `${under}/${e.name}` : e.name;
    return e.isDirectory() ? files(dir, path) : e.isFile() ? [path] : [];
  });
}

/** `target` (a site path without the leading slash) as seen from the file `from`. */
function relativeTo(from: string, target: string): string {
  const up = posix.relative(posix.dirname(from), target);
  return up.startsWith('.') ? up : `./${up}`;
}

/** HTML attributes and CSS `url()`s that name a root-absolute URL (`/x`, not `//host`). */
const htmlAbsolute = /\b(href|src|srcset|action|poster|data)=(["'])\/(?!\/)([^"']*)\2/g;
const cssAbsolute = /url\((["']?)\/(?!\/)([^)"']*)\1\)/g;

/** Rewrites every root-absolute URL in the HTML and CSS files of `dir`; returns how many. */
export function makeUrlsRelative(dir: string): number {
  let count = 0;
  for (const file of files(dir)) {
    const isHtml = file.endsWith('.html');
    if (!isHtml && !file.endsWith('.css')) continue;
    const path = join(dir, ...file.split('/'));
    const text = readFileSync(path, 'utf8');
    const out = isHtml
      ? text.replace(htmlAbsolute, (_m, attr: string, q: string, target: string) => {
          count++;
          return `${attr}=${q}${relativeTo(file, target)}${q}`;
        })
      : text.replace(cssAbsolute, (_m, q: string, target: string) => {
          count++;
          return `url(${q}${relativeTo(file, target)}${q})`;
        });
    if (out !== text) writeFileSync(path, out);
  }
  return count;
}

/** Any attribute value or `url()` that starts at the root (outside scripts): broader than what is rewritten, so that nothing slips by. */
const anyAbsolute = /(?:\s[\w:-]+=\s*["']?|url\(\s*["']?)\/(?!\/)[^\s"')>]*/;
const scripts = /<script\b[^>]*>[\s\S]*?<\/script>/gi;

/** Files of `dir` that still name a root-absolute URL, with the first such URL. */
export function rootAbsoluteUrls(dir: string): { file: string; url: string }[] {
  const found: { file: string; url: string }[] = [];
  for (const file of files(dir)) {
    if (!file.endsWith('.html') && !file.endsWith('.css')) continue;
    const match = anyAbsolute.exec(readFileSync(join(dir, ...file.split('/')), 'utf8').replace(scripts, '<script></script>'));
    if (match) found.push({ file, url: match[0] });
  }
  return found;
}
