import type { BrokerPublisher } from '@app/messaging';
import { WorkerHeartbeat } from './worker-heartbeat';

describe('WorkerHeartbeat', () => {
  const publisher = { connected: true, publish: jest.fn(async () => undefined) } as unknown as BrokerPublisher;
  const source = { workflows: [{ name: 'alpha', default: true }], runsInProgress: () => 0 };

  it('refuses an interval gateways would not accept, naming the option', () => {
    for (const bad of [99, 3_600_001, 1.5, Number.NaN]) expect(() => new WorkerHeartbeat(publisher, source, bad)).toThrow(/heartbeatIntervalMs/);
    expect(() => new WorkerHeartbeat(publisher, source, 100)).not.toThrow();
  });

  it('sends nothing while the broker is away, and a non-persistent heartbeat that expires after 3 intervals otherwise', async () => {
    const publish = jest.fn(async () => undefined);
    const away = new WorkerHeartbeat({ connected: false, publish } as unknown as BrokerPublisher, source, 1000);
    await away.stop();
    expect(publish).not.toHaveBeenCalled();
    const here = new WorkerHeartbeat({ connected: true, publish } as unknown as BrokerPublisher, source, 1000);
    await here.stop();
    expect(publish).toHaveBeenCalledWith('agent-stream.agent-workers', '', expect.objectContaining({ state: 'stopped', workflows: source.workflows }), { persistent: false, expiration: '3000' });
  });
});
