/**
 * docs/examples/audit, run as a team would run it: composed into the gateway
 * in one line, its own migration applied, one row per finished request
 * (finished by an agent, or by a cancel before any agent took it), read
 * through GET /admin/audit behind the admin guard.
 */
import { Client } from 'pg';
import { AuditModule } from '../../docs/examples/audit/audit.module';
import { adminToken, eventually, http } from '../support/admin-http';
import { newRequestId, newUser, startGateway, withGatewayClientAndBroker } from '../support/gateway-harness';
import { mintToken } from '../support/tokens';

describe('docs/examples/audit, end to end', () => {
  const owner = newUser('audited');
  const product = withGatewayClientAndBroker(owner, () => startGateway({}, { imports: [AuditModule] }));

  it('applies its own migration, in its own migrations table', async () => {
    const db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query('SELECT timestamp, name FROM audit_migrations');
      expect(rows).toEqual([{ timestamp: '1765000000000', name: 'AuditLog1765000000000' }]);
    } finally {
      await db.end();
    }
  });

  it('writes one row per finished request and lists it at GET /admin/audit', async () => {
    const completed = newRequestId('audit-done');
    await product.client.ack('start', { requestId: completed, userQuery: 'audit me' });
    const end = { type: 'request.completed', requestId: completed, agent: 'a', eventId: `${completed}:end`, data: { status: 'failed', error: 'boom' } };
    await product.broker.publishAgentEvent(end.type, end);
    await product.broker.publishAgentEvent(end.type, end); // a repeat is recorded once
    const cancelled = newRequestId('audit-cancelled');
    await product.client.ack('start', { requestId: cancelled, userQuery: 'never run' });
    expect(await product.client.ack('cancel', { requestId: cancelled })).toEqual({ ok: true, status: 'cancelling' });

    const reply = await eventually(
      () => http(product.url, '/admin/audit?limit=500'),
      (r) => r.status === 200 && [completed, cancelled].every((id) => r.body.items.some((i: { requestId: string }) => i.requestId === id)),
      10_000,
    );
    const rows = reply.body.items.filter((i: { requestId: string }) => [completed, cancelled].includes(i.requestId));
    expect(rows).toHaveLength(2);
    expect(rows.find((r: { requestId: string }) => r.requestId === completed)).toEqual({ requestId: completed, owner, status: 'failed', seq: 2, finishedAt: expect.any(String) });
    expect(rows.find((r: { requestId: string }) => r.requestId === cancelled)).toEqual({ requestId: cancelled, owner, status: 'cancelled', seq: 3, finishedAt: expect.any(String) });
  });

  it('is behind the admin guard, with the admin API error bodies', async () => {
    expect((await http(product.url, '/admin/audit', { token: null })).status).toBe(401);
    const notAdmin = await http(product.url, '/admin/audit', { token: mintToken('someone') });
    expect(notAdmin).toMatchObject({ status: 403, body: { code: 'FORBIDDEN' } });
    const bad = await http(product.url, '/admin/audit?limit=0', { token: adminToken() });
    expect(bad).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED', details: [{ field: 'limit' }] } });
    expect((await http(product.url, '/admin/audit?limit=1')).body.items).toHaveLength(1);
  });
});
