/**
 * `npm run preview`: serves the built report (site/dist, or HW1_SITE_OUT) on
 * 127.0.0.1 until stopped, for a reader who prefers a URL to opening
 * index.html from disk (both work). Nothing is built here: a missing report
 * is a message naming the command that builds it.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCommandLine } from '@hw1/pipeline/cli';
import { runMain, UsageError } from '@hw1/pipeline/errors';
import { projectRoot, siteOutDir } from '@hw1/pipeline/paths';
import { serveDirectory } from './static-server.ts';

const help = `Usage: npm run preview [-- --port N]

Serves the built report (site/dist, or HW1_SITE_OUT) at http://127.0.0.1:N/
until you stop it (Ctrl-C). Build it first with \`npx turbo run report\`.
Opening site/dist/index.html in a browser works too; no server is needed.

Options:
  --port N  the port (default 4321; 0 picks a free one)
`;

runMain(async () => {
  const cl = parseCommandLine(process.argv.slice(2), { port: { type: 'string' } }, help);
  if (!cl) return 0;
  const port = cl.values.port === undefined ? 4321 : Number(cl.values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || cl.values.port === '')
    throw new UsageError(`--port expects a port number (0 to 65535), got ${cl.values.port || 'nothing'}`);
  const dir = siteOutDir();
  const shown = relative(projectRoot, dir) || dir;
  if (!existsSync(join(dir, 'index.html'))) throw new UsageError(`no report in ${shown} yet: build it with \`npx turbo run report\``);
  let server: Awaited<ReturnType<typeof serveDirectory>>;
  try {
    server = await serveDirectory(dir, { port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(`port ${port} is in use; choose another with \`npm run preview -- --port N\``);
    throw err;
  }
  process.stdout.write(`serving ${shown} at ${server.url}/ (Ctrl-C stops it)\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      void server.close().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
});
