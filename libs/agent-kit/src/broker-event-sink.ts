import { Inject, Injectable } from '@nestjs/common';
import { Exchanges, REQUEST_ID_HEADER } from '@app/contracts';
import { BrokerPublisher, BrokerUnavailableError } from '@app/messaging';
import { AgentEventSink, type AgentEvent } from './agent-event-sink';
import { AGENT_KIT_OPTIONS, type AgentKitOptions } from './agent-kit.options';

const DEFAULT_PUBLISH_RETRY_MS = 60_000;
const RETRY_PAUSE_MS = 250;

/**
 * Routing key = the body's type (docs/protocol.md §2); the eventId doubles as the
 * AMQP message id; the `x-request-id` header carries the requestId, which the
 * gateway's ingest shards hash on (one request, one shard: its order kept).
 * While the broker is away the event is retried (the run
 * waits at its reporter call) instead of failing the run: a blip of a few
 * seconds must not make the run start over. A retry of an event that did
 * reach the broker is harmless — the gateway records each eventId once.
 */
@Injectable()
export class BrokerEventSink extends AgentEventSink {
  constructor(
    private readonly publisher: BrokerPublisher,
    @Inject(AGENT_KIT_OPTIONS) private readonly options: AgentKitOptions,
  ) {
    super();
  }

  async publish(event: AgentEvent): Promise<void> {
    const deadline = Date.now() + (this.options.publishRetryMs ?? DEFAULT_PUBLISH_RETRY_MS);
    for (;;) {
      try {
        return await this.publisher.publish(Exchanges.agentEvents, event.type, event, {
          messageId: event.eventId,
          headers: { [REQUEST_ID_HEADER]: event.requestId },
        });
      } catch (error) {
        if (!(error instanceof BrokerUnavailableError) || Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }
}
