// The report site: MDX pages from content/report, figures drawn at build time.
import { createHash } from 'node:crypto';
import mdx from '@astrojs/mdx';
import { defineConfig } from 'astro/config';

const outDir = process.env.HW1_SITE_OUT ?? './dist';

export default defineConfig({
  integrations: [mdx()],
  outDir,
  // A build into its own directory keeps its own content cache, so builds can run side by side (tests do).
  cacheDir: process.env.HW1_SITE_OUT ? `./node_modules/.astro-builds/${createHash('sha256').update(outDir).digest('hex').slice(0, 12)}` : './node_modules/.astro',
  // The report is read from files (file://) as well as served: relative links, no trailing-slash games.
  build: { format: 'file' },
  trailingSlash: 'never',
  devToolbar: { enabled: false },
  vite: {
    server: { fs: { allow: ['..'] } },
  },
});
