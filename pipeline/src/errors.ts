/**
 * Errors about what the user gave the pipeline (a config, an environment
 * variable, a data file) rather than about the pipeline itself. The CLI
 * prints their message alone, with no stack trace, and exits with 2.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A command line that cannot be acted on (an unknown option, a missing argument). */
export class UsageError extends InputError {}

/**
 * Runs a command's main and exits with its code: an InputError prints its
 * message alone and exits 2; anything else is a fault of the pipeline and
 * prints its stack, exit 1.
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
