import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Exchanges, fanoutBucketOf, type RecordedBatch, type RecordedMessage } from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';
import { RequestEventHooksPublisher } from '../hooks';
import { GatewayMetrics } from '../metrics';

/** Most events in one fan-out message: a recorded batch travels as one message, or a few. */
const EVENTS_PER_MESSAGE = 500;
/** Names the gateway instance that published a fan-out message: it delivered those events itself. */
export const ORIGIN_HEADER = 'x-origin-instance';

/**
 * Sends recorded events to the gateway instances that watch them. This
 * instance's own watchers get them at once, in process (no broker round trip
 * in their latency); the fan-out exchange carries them, one message per
 * request bucket, to the instances bound to that bucket (LiveDelivery binds
 * the buckets its sockets watch), and this instance skips its own copies by
 * their origin header. A bucket nobody watches costs one publish the broker drops.
 */
@Injectable()
export class RecordedEventsPublisher {
  readonly origin = randomUUID();
  private local: (events: RecordedMessage[]) => void = () => undefined;
  /** True while this instance knows it is the only gateway (IngestShards): nobody else needs the fan-out. */
  private alone: () => boolean = () => false;

  constructor(
    private readonly broker: BrokerPublisher,
    private readonly hooks: RequestEventHooksPublisher,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** Where this instance's own recorded events go (live delivery). */
  onLocal(listener: (events: RecordedMessage[]) => void): void {
    this.local = listener;
  }

  /** `alone` must be true only when no other gateway can have a watcher (IngestShards.alone). */
  skipFanoutWhile(alone: () => boolean): void {
    this.alone = alone;
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
    if (!this.alone()) await this.fanOut(events);
    // After the fan-out, so hooks never delay sockets; before the recorder's ack, so a crash re-publishes.
    await this.hooks.publish(events);
  }

  /** In seq order within each request: a bucket's messages leave in order, and a request is in one bucket. */
  private async fanOut(events: RecordedMessage[]): Promise<void> {
    const byBucket = new Map<string, RecordedMessage[]>();
    for (const event of events) {
      const bucket = fanoutBucketOf(event.requestId);
      const group = byBucket.get(bucket);
      if (group) group.push(event);
      else byBucket.set(bucket, [event]);
    }
    const publishes: Array<Promise<void>> = [];
    for (const [bucket, group] of byBucket) {
      for (let i = 0; i < group.length; i += EVENTS_PER_MESSAGE) {
        const batch: RecordedBatch = { events: group.slice(i, i + EVENTS_PER_MESSAGE) };
        // Sent together, confirmed together: the channel keeps their order.
        publishes.push(this.broker.publish(Exchanges.recordedByBucket, bucket, batch, { persistent: false, headers: { [ORIGIN_HEADER]: this.origin } }));
        this.metrics.fanoutMessage('published');
      }
    }
    await Promise.all(publishes);
  }
}
