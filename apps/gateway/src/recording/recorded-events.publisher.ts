import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Exchanges, type RecordedBatch, type RecordedMessage } from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';
import { RequestEventHooksPublisher } from '../hooks';

/** Most events in one fan-out message: a recorded batch travels as one message, or a few. */
const EVENTS_PER_MESSAGE = 500;
/** Names the gateway instance that published a fan-out message: it delivered those events itself. */
export const ORIGIN_HEADER = 'x-origin-instance';

/**
 * Sends recorded events to every gateway instance. This instance's own
 * watchers get them at once, in process (no broker round trip in their
 * latency); the fan-out exchange carries them to the others, and this
 * instance skips its own copies by their origin header.
 */
@Injectable()
export class RecordedEventsPublisher {
  readonly origin = randomUUID();
  private local: (events: RecordedMessage[]) => void = () => undefined;

  constructor(
    private readonly broker: BrokerPublisher,
    private readonly hooks: RequestEventHooksPublisher,
  ) {}

  /** Where this instance's own recorded events go (live delivery). */
  onLocal(listener: (events: RecordedMessage[]) => void): void {
    this.local = listener;
  }

  /** To this instance's watchers and to every other instance. */
  async publish(events: RecordedMessage[]): Promise<void> {
    this.deliverLocally(events);
    await this.publishToOthers(events);
  }

  deliverLocally(events: RecordedMessage[]): void {
    if (events.length > 0) this.local(events);
  }

  async publishToOthers(events: RecordedMessage[]): Promise<void> {
    for (let i = 0; i < events.length; i += EVENTS_PER_MESSAGE) {
      const batch: RecordedBatch = { events: events.slice(i, i + EVENTS_PER_MESSAGE) };
      await this.broker.publish(Exchanges.recorded, '', batch, { persistent: false, headers: { [ORIGIN_HEADER]: this.origin } });
    }
    // After the fan-out, so hooks never delay sockets; before the recorder's ack, so a crash re-publishes.
    await this.hooks.publish(events);
  }
}
