import { BrokerUnavailableError, type BrokerPublisher } from '@app/messaging';
import { BrokerEventSink } from './broker-event-sink';
import type { AgentEvent } from './agent-event-sink';

const event: AgentEvent = { type: 'executor.step.progress', requestId: 'r1', agent: 'executor-agent', eventId: 'r1:executor-agent:1', data: { status: 'running' } };

/** A publisher that fails with each given error in turn, then succeeds. */
function publisherFailing(...errors: Error[]) {
  const publish = jest.fn(async () => {
    const error = errors.shift();
    if (error) throw error;
  });
  return { publisher: { publish } as unknown as BrokerPublisher, publish };
}

describe('BrokerEventSink', () => {
  it('waits through a broker outage: an event refused as unavailable is sent again until the broker takes it', async () => {
    const { publisher, publish } = publisherFailing(new BrokerUnavailableError('away'), new BrokerUnavailableError('still away'));
    await new BrokerEventSink(publisher, { workflow: class {} as never }).publish(event);
    expect(publish).toHaveBeenCalledTimes(3);
    expect(publish).toHaveBeenLastCalledWith('agent.events', event.type, event, { messageId: event.eventId, headers: { 'x-request-id': event.requestId } });
  });

  it('gives up after publishRetryMs, so the run is requeued rather than stuck', async () => {
    const errors = Array.from({ length: 100 }, () => new BrokerUnavailableError('away'));
    const { publisher } = publisherFailing(...errors);
    const sink = new BrokerEventSink(publisher, { workflow: class {} as never, publishRetryMs: 300 });
    await expect(sink.publish(event)).rejects.toBeInstanceOf(BrokerUnavailableError);
  });

  it('does not retry other errors', async () => {
    const { publisher, publish } = publisherFailing(new TypeError('not JSON'));
    await expect(new BrokerEventSink(publisher, { workflow: class {} as never }).publish(event)).rejects.toBeInstanceOf(TypeError);
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
