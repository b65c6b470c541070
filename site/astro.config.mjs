// The report site: MDX pages from content/report, figures drawn at build time.
import mdx from '@astrojs/mdx';
import { defineConfig } from 'astro/config';

export default defineConfig({
  integrations: [mdx()],
  outDir: process.env.HW1_SITE_OUT ?? './dist',
  // The report is read from files (file://) as well as served: relative links, no trailing-slash games.
  build: { format: 'file' },
  trailingSlash: 'never',
  devToolbar: { enabled: false },
  vite: {
    server: { fs: { allow: ['..'] } },
  },
});
