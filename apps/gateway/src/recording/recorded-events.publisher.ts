import { Injectable } from '@nestjs/common';
import { Exchanges, type RecordedBatch, type RecordedMessage } from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';

/** Most events in one fan-out message: a recorded batch travels as one message, or a few. */
const EVENTS_PER_MESSAGE = 500;

/** Sends recorded events to every gateway instance (the fan-out exchange). */
@Injectable()
export class RecordedEventsPublisher {
  constructor(private readonly broker: BrokerPublisher) {}

  async publish(events: RecordedMessage[]): Promise<void> {
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
      const batch: RecordedBatch = { events: events.slice(i, i + EVENTS_PER_MESSAGE) };
      await this.broker.publish(Exchanges.recorded, '', batch, { persistent: false });
    }
  }
}
