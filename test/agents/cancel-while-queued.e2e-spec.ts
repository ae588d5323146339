import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import amqp, { type ChannelModel } from 'amqplib';
import { RequestStore } from '@app/persistence';
import { EventTap, trace } from '../support/event-tap';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startAgents, startGateway } from '../support/gateway-harness';
import type { StreamClient } from '../support/stream-client';

describe('a request cancelled before any worker took it never runs (issue 12, defect 1)', () => {
  let gateway: INestApplication;
  let url = '';
  let agents: INestApplicationContext | undefined;
  let connection: ChannelModel;
  let tap: EventTap;
  let client: StreamClient | undefined;
  beforeAll(async () => {
    ({ app: gateway, url } = await startGateway());
    connection = await amqp.connect(process.env.AMQP_URL as string);
    tap = await EventTap.open(connection);
  });
  afterAll(async () => {
    client?.close();
    await closeAll(agents, gateway);
    await connection.close();
  });

  it('start with no worker up, cancel, then start a worker: no step runs, the request ends cancelled', async () => {
    client = await connectAs(url, newUser());
    const requestId = newRequestId();
    expect(await client.ack('start', { requestId, userQuery: 'never mind', context: demoContext({ steps: 3 }) })).toMatchObject({ ok: true, status: 'queued' });
    expect(await client.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
    await client.waitFor('request.completed', (m) => m.requestId === requestId);

    agents = await startAgents();
    // The worker takes the start and ends it at once: the only thing it publishes is the ending.
    const events = await tap.end(requestId);
    expect(trace(events)).toEqual(['request.completed cancelled']);

    const log = await gateway.get(RequestStore).listEvents(requestId, 0, 100);
    expect(log.map((m) => m.type)).toEqual(['status', 'status', 'request.completed']);
    expect(log.at(-1)).toMatchObject({ type: 'request.completed', status: 'cancelled' });
  });
});
