import { JwtService } from '@nestjs/jwt';
import { ConfigError, loadConfig } from '@app/config';

/**
 * `npm run token -- <user> [--admin] [--hours N]`: prints a token signed with
 * the configured JWT_SECRET (or the development secret), for trying the
 * gateway by hand.
 */
function main(argv: string[]): void {
  const user = argv.find((a) => !a.startsWith('--'));
  if (!user) {
    console.error('usage: npm run token -- <user> [--admin] [--hours N]');
    process.exit(2);
  }
  const hoursAt = argv.indexOf('--hours');
  const hours = hoursAt >= 0 ? Number(argv[hoursAt + 1]) : 24;
  if (!Number.isFinite(hours) || hours <= 0) {
    console.error('--hours must be a positive number');
    process.exit(2);
  }
  const roles = argv.includes('--admin') ? ['admin'] : [];
  const jwt = new JwtService({ secret: loadConfig().jwtSecret });
  console.log(jwt.sign({ sub: user, roles }, { expiresIn: Math.round(hours * 3600), algorithm: 'HS256' }));
}

try {
  main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
