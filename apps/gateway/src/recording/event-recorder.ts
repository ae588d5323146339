import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_REASON_HEADER, Exchanges, mapAgentEvent, Queues, UnusableEventError, type EventDraft, type RecordedMessage } from '@app/contracts';
import { BrokerConsumer, BrokerPublisher, INGEST_QUEUE_OPTIONS, settle, type ConsumerHandle } from '@app/messaging';
import { mergeBatchResults, RequestStore, type BatchResult } from '@app/persistence';
import { AppConfig } from '@app/config';
import { GatewayMetrics } from '../metrics';
import { decodeAgentEventBody } from './agent-event-body';
import { RecordedEventsPublisher } from './recorded-events.publisher';

/** Largest batch taken from the queue at once (the store writes it in one statement per group of requests). */
const MAX_BATCH = 500;
/** Unacked deliveries in flight: enough to keep a full batch waiting while one is written. */
const PREFETCH = 2000;
const RETRY_DELAY_MS = 1000;
/**
 * Recorded batches whose fan-out publish and ack may be under way while the
 * next batch is written: the broker's confirm is not waited for before the
 * next transaction starts, but memory stays bounded.
 */
const MAX_UNSETTLED_BATCHES = 4;

interface Delivery {
  message: ConsumeMessage;
  channel: Channel;
  /** The ingest shard it came from. */
  shard: number;
  /** For an event without eventId: fixed per delivery, so a retried batch does not record it twice. */
  fallbackEventId: string;
}
interface Usable extends Delivery {
  draft: EventDraft;
}
interface Unusable extends Delivery {
  reason: string;
  /** When the body named one: a log field. */
  requestId?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes agent events from the ingest shards this instance holds (IngestShards
 * decides which) and records them: validate,
 * de-duplicate, number, write a batch (RequestStore.recordBatch), hand the recorded
 * events to this instance's watchers, publish them to the fan-out, then ack.
 * Batches are group-committed: a flush starts as soon as no more input is
 * waiting, and whatever arrives during a flush forms the next batch. The
 * fan-out publish and the ack of a batch run while the next one is written
 * (in order: one chain); an input is acked only once its events are on the
 * fan-out, so a crash before that redelivers it, and the de-duplication
 * re-publishes it with its old seq. Deliveries of every held shard share the
 * batches: a request's events all come from one shard, in order.
 */
@Injectable()
export class EventRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventRecorder.name);
  private readonly waiting: Delivery[] = [];
  private flushing = false;
  private flushScheduled = false;
  private stopping = false;
  /** The last batch's fan-out and ack; each batch's settles after the one before. */
  private settled: Promise<void> = Promise.resolve();
  private unsettled = 0;
  /** The batch being written now (awaited before a shard is handed over). */
  private recording: Promise<void> = Promise.resolve();
  private readonly consumers = new Map<number, ConsumerHandle[]>();
  /** Shards being handed over: their deliveries are no longer taken (the broker gets them back). */
  private readonly releasing = new Set<number>();

  constructor(
    private readonly consumer: BrokerConsumer,
    private readonly broker: BrokerPublisher,
    private readonly store: RequestStore,
    private readonly recorded: RecordedEventsPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly config: AppConfig,
  ) {}

  /** Starts recording a shard whose lease this instance just took: consumes its queues. */
  async startShard(shard: number, queues: string[]): Promise<void> {
    this.releasing.delete(shard);
    const handles: ConsumerHandle[] = [];
    this.consumers.set(shard, handles);
    for (const queue of queues) {
      handles.push(
        await this.consumer.consume(
          { name: `ingest ${queue}`, queue, queueOptions: INGEST_QUEUE_OPTIONS, bindings: [], prefetch: PREFETCH },
          (message, channel) => {
            if (this.releasing.has(shard)) return; // left unacked: back to the queue when its channel closes
            this.waiting.push({ message, channel, shard, fallbackEventId: message.properties.messageId ?? randomUUID() });
            this.scheduleFlush();
          },
        ),
      );
    }
  }

  /**
   * Hands a shard back in order: takes no more of its deliveries, lets the
   * batch being written and every batch not yet acked finish, then closes its
   * consumers (what was not taken returns to the queue, in place). Only then
   * may the caller release the lease.
   */
  async stopShard(shard: number): Promise<void> {
    this.forget(shard);
    await this.recording;
    await this.settled;
    await this.closeConsumers(shard);
  }

  /**
   * The leases are gone (their database session ended): stop consuming at
   * once, without waiting for batches in flight. Another instance may take
   * the shards now; single active consumer keeps its consumer idle until ours
   * are closed, and a batch of ours that still commits is a duplicate the
   * next holder's de-duplication skips.
   */
  async abandonShards(): Promise<void> {
    const shards = [...this.consumers.keys()];
    for (const shard of shards) this.forget(shard);
    await Promise.all(shards.map((shard) => this.closeConsumers(shard)));
  }

  private forget(shard: number): void {
    this.releasing.add(shard);
    for (let i = this.waiting.length - 1; i >= 0; i--) if (this.waiting[i].shard === shard) this.waiting.splice(i, 1);
  }

  private async closeConsumers(shard: number): Promise<void> {
    const handles = this.consumers.get(shard) ?? [];
    this.consumers.delete(shard);
    await Promise.all(handles.map((h) => h.close()));
  }

  /** Unacked deliveries go back to the queue when the channel closes; another instance records them. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private scheduleFlush(): void {
    if (this.flushing || this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate lets the deliveries already read from the socket join this batch.
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    this.flushing = true;
    try {
      while (this.waiting.length > 0 && !this.stopping) {
        this.recording = this.recordUntilDone(this.waiting.splice(0, MAX_BATCH));
        await this.recording;
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Never gives up on a batch: a failure waits and retries, the messages stay unacked meanwhile. */
  private async recordUntilDone(batch: Delivery[]): Promise<void> {
    while (!this.stopping) {
      try {
        await this.record(batch);
        return;
      } catch (error) {
        this.logger.error(`recording a batch of ${batch.length} failed, retrying: ${(error as Error).message}`);
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  private async record(batch: Delivery[]): Promise<void> {
    const usable: Usable[] = [];
    const unusable: Unusable[] = [];
    for (const delivery of batch) {
      try {
        const body = decodeAgentEventBody(delivery.message.content, this.config.MAX_EVENT_BYTES);
        usable.push({ ...delivery, draft: mapAgentEvent(body, delivery.fallbackEventId) });
      } catch (error) {
        const reason = error instanceof UnusableEventError ? error.message : `body cannot be used: ${(error as Error).message}`;
        unusable.push({ ...delivery, reason });
      }
    }
    const result = await this.metrics.timeRecording(usable.length, () => this.writeIsolatingPoison(usable, unusable));
    this.metrics.eventsRecorded(result.recorded);
    for (const u of usable) {
      if (result.unknownRequestIds.has(u.draft.requestId)) unusable.push({ ...u, reason: `unknown request '${u.draft.requestId}'`, requestId: u.draft.requestId });
    }
    // Not malformed, only late (a run stopped after its request ended): dropped, not dead-lettered.
    for (const requestId of new Set(result.afterEnd.map((d) => d.requestId))) {
      this.logger.log({ requestId }, 'dropped event(s) that arrived after the request had ended');
    }
    const events = [...result.duplicates, ...result.recorded];
    this.recorded.deliverLocally(events);
    await this.settleInOrder(batch, events, unusable);
  }

  /** Queues the batch's fan-out, dead letters and ack behind the previous batch's; waits only when too many are queued. */
  private async settleInOrder(batch: Delivery[], events: RecordedMessage[], unusable: Unusable[]): Promise<void> {
    this.unsettled++;
    this.settled = this.settled.then(() => this.settle(batch, events, unusable)).finally(() => this.unsettled--);
    if (this.unsettled >= MAX_UNSETTLED_BATCHES) await this.settled;
  }

  /** Retries until the broker takes it all, then acks; on shutdown gives up unacked (the broker redelivers). */
  private async settle(batch: Delivery[], events: RecordedMessage[], unusable: Unusable[]): Promise<void> {
    for (;;) {
      try {
        await this.recorded.publishToOthers(events);
        for (const u of unusable) await this.deadLetter(u);
        return this.ackAll(batch);
      } catch (error) {
        if (this.stopping) return;
        this.logger.error(`fan-out of a recorded batch of ${batch.length} failed, retrying: ${(error as Error).message}`);
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  /**
   * Writes the batch; when the database refuses it although it is reachable
   * (e.g. a value Postgres cannot store), writes events one by one so only
   * the offending ones are dead-lettered.
   */
  private async writeIsolatingPoison(usable: Usable[], unusable: Unusable[]): Promise<BatchResult> {
    const drafts = usable.map((u) => u.draft);
    try {
      return await this.store.recordBatch(drafts);
    } catch (error) {
      await this.store.ping(); // throws while the database is away: retry the whole batch later
      this.logger.warn(`batch refused (${(error as Error).message}); isolating the offending events`);
      const results: BatchResult[] = [];
      for (const u of [...usable]) {
        try {
          results.push(await this.store.recordBatch([u.draft]));
        } catch (single) {
          await this.store.ping(); // the database went away meanwhile: retry the whole batch, lose nothing
          usable.splice(usable.indexOf(u), 1);
          unusable.push({ ...u, reason: `database refused the event: ${(single as Error).message}`, requestId: u.draft.requestId });
        }
      }
      return mergeBatchResults(results);
    }
  }

  private async deadLetter({ message, reason, requestId }: Unusable): Promise<void> {
    this.logger.warn({ ...(requestId ? { requestId } : {}), routingKey: message.fields.routingKey, reason }, 'dead-lettering an unusable agent event');
    this.metrics.deadLetteredBecause(reason, message.fields.routingKey);
    await this.broker.publish(Exchanges.deadLetter, Queues.dead, message.content, {
      headers: { ...message.properties.headers, [DEAD_LETTER_REASON_HEADER]: reason, 'x-original-routing-key': message.fields.routingKey, 'x-dead-lettered-at': new Date().toISOString() },
      messageId: message.properties.messageId,
    });
  }

  /** One multiple-ack per channel: deliveries are handled in order, so the last covers the rest. */
  private ackAll(batch: Delivery[]): void {
    const lastPerChannel = new Map<Channel, ConsumeMessage>();
    for (const { message, channel } of batch) lastPerChannel.set(channel, message);
    for (const [channel, message] of lastPerChannel) settle(channel, (c) => c.ack(message, true));
  }
}
