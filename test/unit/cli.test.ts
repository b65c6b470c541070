/**
 * core/cli.ts: every command line read by node:util's parseArgs, strict, with
 * --help added, and each refusal one line pointing at --help.
 */
import { describe, expect, it, vi } from 'vitest';
import { parseCommandLine } from '../../pipeline/src/core/cli.ts';
import { UsageError } from '../../pipeline/src/core/errors.ts';

const options = { seconds: { type: 'string' }, json: { type: 'boolean' } } as const;

describe('a command line', () => {
  it('gives the options and the words, or prints the usage for --help and -h', () => {
    expect(parseCommandLine(['--json', '--seconds', '2', 'a'], options, 'usage', { maxPositionals: 1 })).toMatchObject({
      values: { json: true, seconds: '2' },
      positionals: ['a'],
    });
    expect(parseCommandLine(['--seconds=3'], options, 'usage')!.values.seconds).toBe('3');
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(parseCommandLine(['-h'], options, 'Usage: npm run x')).toBeNull();
      expect(parseCommandLine(['--json', '--help'], options, 'Usage: npm run x')).toBeNull();
      expect(write).toHaveBeenCalledWith('Usage: npm run x\n');
    } finally {
      write.mockRestore();
    }
  });

  it('refuses, in one line pointing at --help, what the command does not take', () => {
    const refused = (argv: string[], max = 0) => {
      try {
        parseCommandLine(argv, options, 'usage', { maxPositionals: max });
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error(`accepted ${argv.join(' ')}`);
    };
    expect(refused(['--bogus'])).toBe('unknown option --bogus; see --help');
    expect(refused(['--bogus=1'])).toBe('unknown option --bogus; see --help');
    expect(refused(['-x'])).toBe('unknown option -x; see --help');
    expect(refused(['--seconds'])).toBe('--seconds needs a value; see --help');
    expect(refused(['--seconds', '--json'])).toBe('--seconds needs a value; see --help');
    expect(refused(['--json=yes'])).toBe('--json takes no value; see --help');
    expect(refused(['extra'])).toBe('unknown argument extra; see --help');
    expect(refused(['a', 'b'], 1)).toBe('unknown argument b; see --help');
  });
});
