import type { RecordedMessage } from '@app/contracts';
import type { BrokerPublisher } from '@app/messaging';
import type { RequestStore } from '@app/persistence';
import { RequestEventHooksPublisher } from './request-event-hooks.publisher';

const message = (type: RecordedMessage['type'], requestId: string, seq: number) =>
  ({ type, requestId, seq, ts: '2026-01-01T00:00:00.000Z', status: type === 'request.completed' ? 'completed' : 'running' }) as RecordedMessage;

function publisherWith() {
  const published: Array<{ exchange: string; routingKey: string; body: unknown }> = [];
  const reads: string[][] = [];
  const broker = { publish: async (exchange: string, routingKey: string, body: unknown) => void published.push({ exchange, routingKey, body }) } as unknown as BrokerPublisher;
  const store = { ownersOf: async (ids: string[]) => (reads.push(ids), new Map(ids.map((id) => [id, `owner-of-${id}`]))) } as unknown as RequestStore;
  return { hooks: new RequestEventHooksPublisher(broker, store), published, reads };
}

describe('RequestEventHooksPublisher (the recording path → hooks)', () => {
  it('with no hook registered costs nothing: no read, no publish', async () => {
    const { hooks, published, reads } = publisherWith();
    await hooks.publish([message('status', 'r1', 1), message('request.completed', 'r1', 2)]);
    expect(published).toEqual([]);
    expect(reads).toEqual([]);
  });

  it('publishes only the types some hook takes, one message per event, routed by type, with the owner', async () => {
    const { hooks, published } = publisherWith();
    hooks.want('request.completed');
    await hooks.publish([message('status', 'r1', 1), message('request.completed', 'r1', 2)]);
    expect(published).toEqual([
      { exchange: 'agent-stream.request-events', routingKey: 'request.completed', body: { owner: 'owner-of-r1', message: message('request.completed', 'r1', 2) } },
    ]);
  });

  it('reads each owner once', async () => {
    const { hooks, reads } = publisherWith();
    hooks.want('*');
    await hooks.publish([message('status', 'r1', 1), message('status', 'r2', 1)]);
    await hooks.publish([message('request.completed', 'r1', 2), message('status', 'r3', 1)]);
    expect(reads).toEqual([['r1', 'r2'], ['r3']]);
  });
});
