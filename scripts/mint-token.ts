import { loadConfigOrExit } from '@app/config';
import { signTokenFor } from '@app/auth';
import { parseCommandLine } from './command-line';

const USAGE = 'npm run token -- <user> [--admin] [--hours N]';

/**
 * `npm run token -- <user> [--admin] [--hours N]`: prints a token signed with
 * the configured JWT_SECRET (environment or `.env`; else the development
 * secret), for trying the gateway by hand.
 */
function main(argv: string[]): void {
  const { values, positionals } = parseCommandLine(argv, { admin: { type: 'boolean' }, hours: { type: 'string' } }, USAGE);
  const [user, ...extra] = positionals;
  if (!user || extra.length > 0) {
    console.error(`usage: ${USAGE}`);
    process.exit(2);
  }
  const hours = values.hours === undefined ? 24 : Number(values.hours);
  if (!Number.isFinite(hours) || hours <= 0) {
    console.error('--hours must be a positive number');
    process.exit(2);
  }
  const roles = values.admin ? ['admin'] : [];
  try {
    console.log(signTokenFor(loadConfigOrExit('token'), { sub: user, roles }, Math.round(hours * 3600)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}

main(process.argv.slice(2));
