import { loadConfigOrExit } from '@app/config';
import { signTokenFor } from '@app/auth';

/**
 * `npm run token -- <user> [--admin] [--hours N]`: prints a token signed with
 * the configured JWT_SECRET (environment or `.env`; else the development
 * secret), for trying the gateway by hand.
 */
function main(argv: string[]): void {
  const hoursAt = argv.indexOf('--hours');
  // The user is the one argument that is neither a flag nor the value of --hours.
  const user = argv.find((a, i) => !a.startsWith('--') && !(hoursAt >= 0 && i === hoursAt + 1));
  if (!user) {
    console.error('usage: npm run token -- <user> [--admin] [--hours N]');
    process.exit(2);
  }
  const hours = hoursAt >= 0 ? Number(argv[hoursAt + 1]) : 24;
  if (!Number.isFinite(hours) || hours <= 0) {
    console.error('--hours must be a positive number');
    process.exit(2);
  }
  const roles = argv.includes('--admin') ? ['admin'] : [];
  try {
    console.log(signTokenFor(loadConfigOrExit('token'), { sub: user, roles }, Math.round(hours * 3600)));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}

main(process.argv.slice(2));
