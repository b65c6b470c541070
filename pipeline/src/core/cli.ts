/**
 * Every command line of the project, read one way: node:util's parseArgs,
 * strict, with `--help`/`-h` added. `--help` prints the command's usage and
 * the command exits 0; anything parseArgs refuses (an unknown option, an
 * option without its value, a value given to a flag, a word the command does
 * not take) is a UsageError in one line pointing at --help, so the command
 * exits 2 before any work (core/errors.ts runMain).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError, unknownArgument } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: WithHelp<O>; allowPositionals: true; strict: true }>>;

/** The options given (`values`) and the other words (`positionals`), or null when --help was asked for (and the usage printed). */
export function parseCommandLine<const O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
  limits: { maxPositionals?: number } = {},
): Parsed<O> | null {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>,
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = (err as Error).message;
    const word = /'([^']*)'/.exec(message)?.[1] ?? '';
    // "Option '--seconds <value>' argument missing" / "Option '--json' does not take an argument".
    const option = word.split(/[ =]/)[0]!;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw unknownArgument(option);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(/argument missing|ambiguous/.test(message) ? `${option} needs a value; see --help` : `${option} takes no value; see --help`);
    }
    throw new UsageError(`${message}; see --help`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    return null;
  }
  const max = limits.maxPositionals ?? 0;
  if (parsed.positionals.length > max) throw unknownArgument(parsed.positionals[max]!);
  return parsed;
}
