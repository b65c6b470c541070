/**
 * Errors about what the user gave the pipeline (a config, an environment
 * variable, a data file, a command line) rather than about the pipeline
 * itself, and the exit-code contract of every command: 0 done, 1 a fault of
 * the pipeline (with its stack), 2 bad input (the message alone).
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A command line that cannot be acted on (an unknown option, a missing argument). */
export class UsageError extends InputError {}

/** The error for a command-line word no command takes: "unknown option --x" or "unknown argument x", pointing at --help. */
export const unknownArgument = (word: string): UsageError => new UsageError(`unknown ${word.startsWith('-') ? 'option' : 'argument'} ${word}; see --help`);

/**
 * Runs a command's main and exits with its code: an InputError prints its
 * message alone and exits 2; anything else is a fault of the pipeline and
 * prints its stack, exit 1. Called by the entry points (pipeline/src/bin/,
 * site/scripts/) only.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof InputError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
