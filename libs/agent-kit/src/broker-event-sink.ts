import { Injectable } from '@nestjs/common';
import { Exchanges } from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';
import { AgentEventSink, type AgentEvent } from './agent-event-sink';

/** Routing key = the body's type (PROTOCOL.md §2); the eventId doubles as the AMQP message id. */
@Injectable()
export class BrokerEventSink extends AgentEventSink {
  constructor(private readonly publisher: BrokerPublisher) {
    super();
  }

  publish(event: AgentEvent): Promise<void> {
    return this.publisher.publish(Exchanges.agentEvents, event.type, event, { messageId: event.eventId });
  }
}
