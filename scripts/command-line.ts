import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A helper command's arguments, strictly: an unknown flag (`--hour` for `--hours`)
 * or a flag without its value prints what was wrong and the usage, and exits 2,
 * rather than running with a default the user did not ask for.
 */
export function parseCommandLine<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: ${usage}`);
    return process.exit(2);
  }
}
