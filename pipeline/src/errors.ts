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
