import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_COMMANDS, ErrorCode, RECORDED_TYPE_NAMES, REQUEST_STATUSES } from '@app/contracts';
import { AppConfig } from '@app/config';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { AdminClusterController } from '../apps/gateway/src/admin/admin-cluster.controller';
import { AdminDeadLettersController } from '../apps/gateway/src/admin/admin-dead-letters.controller';
import { AdminController } from '../apps/gateway/src/admin/admin.controller';
import { GatewayMetrics } from '../apps/gateway/src/metrics';
import { SocketCensus } from '../apps/gateway/src/presence';

/**
 * docs/protocol.md against the code, where the code holds the same list:
 * what the code has, the contract must describe (asyncapi.spec.ts checks the shapes).
 */
const protocol = readFileSync(join(__dirname, 'protocol.md'), 'utf8');
const section = (n: number) => protocol.slice(protocol.indexOf(`\n## ${n}.`), protocol.indexOf(`\n## ${n + 1}.`) >= 0 ? protocol.indexOf(`\n## ${n + 1}.`) : undefined);
/** The first cell of each row of the tables in `text`, without backticks. */
const tableKeys = (text: string) => [...text.matchAll(/^\| `([^`|]+)`/gm)].map((m) => m[1]);

describe('docs/protocol.md matches the code', () => {
  it('§1 lists every client command and every error code', () => {
    const keys = tableKeys(section(1));
    expect(keys).toEqual(expect.arrayContaining(Object.keys(CLIENT_COMMANDS)));
    expect(keys).toEqual(expect.arrayContaining(Object.values(ErrorCode)));
  });

  it('§1 lists every recorded message type and every request status', () => {
    expect(tableKeys(section(1))).toEqual(expect.arrayContaining([...RECORDED_TYPE_NAMES]));
    for (const status of REQUEST_STATUSES) expect(section(1)).toContain(`'${status}'`);
  });

  it('§3 lists every metric the gateway registers under agent_stream_', async () => {
    const metrics = new GatewayMetrics(new SocketCensus());
    const names = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name).filter((name) => name.startsWith('agent_stream_'));
    expect(names.length).toBeGreaterThan(5);
    expect(tableKeys(section(3))).toEqual(expect.arrayContaining(names));
  });

  it('§3 lists every admin API route, as `METHOD /path`', () => {
    const routes = [AdminController, AdminClusterController, AdminDeadLettersController].flatMap((controller) => {
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string;
      const methods = Object.getOwnPropertyNames(controller.prototype).filter((name) => name !== 'constructor').map((name) => (controller.prototype as unknown as Record<string, object>)[name]);
      return methods
        .filter((handler) => Reflect.hasMetadata(PATH_METADATA, handler))
        .map((handler) => `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]} /${[base, Reflect.getMetadata(PATH_METADATA, handler) as string].filter((p) => p !== '/').join('/')}`);
    });
    expect(routes).toEqual(expect.arrayContaining(['GET /admin/requests', 'GET /admin/instances', 'POST /admin/dead-letters/:id/requeue']));
    // Quoted in code, alone or with its query string: `GET /admin/requests?status=…`.
    const missing = routes.filter((route) => ![`\`${route}\``, `\`${route}?`].some((quoted) => section(3).includes(quoted)));
    expect(missing).toEqual([]);
  });

  it('§5 gives the defaults the code has, for every setting both know', () => {
    const defaults = new AppConfig() as unknown as Record<string, unknown>;
    const rows = [...section(5).matchAll(/^\| `([A-Z_]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]]);
    const known = rows.filter(([name]) => name in defaults);
    // Settings of features still on their way are the contract ahead of the code: only those the code has are compared.
    expect(known.map(([name]) => name)).toEqual(expect.arrayContaining(['PORT', 'AMQP_URL', 'DATABASE_URL', 'RETENTION_DAYS', 'MAX_CONNECTIONS_PER_USER']));
    for (const [name, documented] of known) expect({ name, default: String(defaults[name]) }).toEqual({ name, default: documented });
    expect(section(5)).toContain('| `AGENT_HTTP_PORT` | unset (off) |');
    expect(defaults.AGENT_HTTP_PORT).toBeUndefined();
  });
});
