// The report site: MDX pages from content/report, figures drawn at build time.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { unified } from '@astrojs/markdown-remark';
import mdx from '@astrojs/mdx';
import { defineConfig } from 'astro/config';
import rehypeKatex from 'rehype-katex';
import remarkMath from 'remark-math';
import { claimsLog } from './src/lib/claims/claims-log.ts';
import { liveData } from './src/lib/data/live.ts';
import { remarkSource } from './src/lib/pages/mdx-source.ts';

// scripts/build.ts builds into a directory beside the output and names the output in HW1_SITE_OUT (absolute).
const outDir = process.env.HW1_SITE_OUT ?? './dist';

export default defineConfig({
  // Formulas in the prose ($…$, $$…$$) typeset by KaTeX at build time (remark-math, rehype-katex run on the unified
  // processor); KaTeX's CSS and fonts are bundled from the katex package, no CDN.
  // remarkSource: each element of a page that names a stage or a check carries its file and line, for the build's errors.
  markdown: {
    processor: unified({ remarkPlugins: [remarkMath, remarkSource(fileURLToPath(new URL('..', import.meta.url)))], rehypePlugins: [rehypeKatex] }),
  },
  // liveData: `astro dev` reloads the page when a config, an artifact or the pipeline's code changes (nothing in a build).
  integrations: [mdx(), claimsLog(), liveData()],
  outDir,
  // A build into its own directory keeps its own content cache, so builds can run side by side (tests do).
  cacheDir: process.env.HW1_SITE_OUT
    ? `./node_modules/.astro-builds/${createHash('sha256').update(outDir).digest('hex').slice(0, 12)}`
    : './node_modules/.astro',
  // The report is read from files (file://) as well as served: relative links, no trailing-slash games.
  build: { format: 'file' },
  trailingSlash: 'never',
  devToolbar: { enabled: false },
  vite: {
    // The project root is served to the browser (pages import pipeline code), but not its private parts: `cache/`
    // holds the remote cache's token, artifacts and locks. Vite's own defaults (.env, certificates, .git) stay denied.
    server: { fs: { allow: ['..'], deny: ['.env', '.env.*', '*.{crt,pem}', '**/.git/**', '**/cache/**', '**/.token'] } },
    build: {
      // The figures' script is inlined into the pages that have figures (so it also runs from file://); other assets keep Vite's default.
      assetsInlineLimit: (file) => (file.endsWith('.js') ? true : undefined),
      rollupOptions: {
        // Astro marks each MDX page with its own "use astro:head-inject" directive, which Rollup reports as a warning
        // about semantics it does not know; it is Astro's, harmless, and read as an error by whoever sees it.
        onwarn(warning, warn) {
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('astro:head-inject')) return;
          warn(warning);
        },
      },
    },
  },
});
