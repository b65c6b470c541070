/** `npm run build:native` (and every `npm ci`): builds the optional native kernels, or says in one line why not. */
import { relative } from 'node:path';
import { parseCommandLine } from '../core/cli.ts';
import { runMain } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { addonFile, buildAndRecord } from '../native/build.ts';

const help = `Usage: npm run build:native

Builds the native kernels (pipeline/native/src/*.cc: convolutions and
matrix products in oneDNN, a fused Adam, fused training of small MLPs) with
the machine's C++ compiler (CXX, default g++) against oneDNN
(apt-get install libdnnl-dev g++). npm ci runs it. Without a compiler or
oneDNN it prints why and the report runs on pure WebAssembly, correct and
slower. HW1_NATIVE=0 skips the build.

Exit status: 0 whether or not the kernels could be built (the outcome is in
pipeline/native/build/status.json); 2 for a bad command line.
`;

runMain(async () => {
  if (!parseCommandLine(process.argv.slice(2), {}, help)) return 0;
  const started = performance.now();
  const status = buildAndRecord();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    status.built
      ? `native   kernels built (oneDNN ${status.onednn}, ${status.isa}) in ${seconds} s: ${relative(projectRoot, addonFile)}\n`
      : `native   kernels not built: ${status.reason}; the report runs on WebAssembly alone (slower)\n`,
  );
  return 0;
});
