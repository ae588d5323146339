import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { DEAD_LETTER_REASON_HEADER, Exchanges, mapAgentEvent, Queues, UnusableEventError, type EventDraft, type RecordedMessage } from '@app/contracts';
import { BrokerConsumer, BrokerPublisher, INGEST_QUEUE_OPTIONS, settle, type ConsumerHandle } from '@app/messaging';
import { BatchRecorder, mergeBatchResults, RequestStore, type BatchResult } from '@app/persistence';
import { AppConfig } from '@app/config';
import { GatewayMetrics } from '../metrics';
import { decodeAgentEventBody } from './agent-event-body';
import { RecordedEventsPublisher } from './recorded-events.publisher';
import { AckWindow } from './ack-window';

/** Largest batch taken from the queue at once (the store writes it in one statement). */
const MAX_BATCH = 500;
/** Unacked deliveries in flight: enough to keep a full batch waiting while one is written. */
const PREFETCH = 2000;
const RETRY_DELAY_MS = 1000;
/**
 * Batches recorded side by side, each on requests no other one holds (a
 * request's events are recorded one batch after another, in order). While
 * one batch waits on Postgres the next is already being written: an event
 * waits for its own batch, not for the one before it as well.
 */
export const MAX_BATCHES_IN_FLIGHT = 2;
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
  /** The event, decoded when it was taken (its request decides which batch may take it), or why it cannot be used. */
  event: { draft: EventDraft } | { reason: string };
}
interface Usable extends Delivery {
  draft: EventDraft;
}
interface Unusable extends Delivery {
  reason: string;
  /** When the body named one: a log field. */
  requestId?: string;
}

/** A batch's place in the settle chain: `hand` gives it the batch's settle work (undefined: nothing to settle; only the first call counts); `done` resolves once it ran. */
interface SettleTurn {
  hand(settle: (() => Promise<void>) | undefined): void;
  done: Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes agent events from the ingest shards this instance holds (IngestShards
 * decides which) and records them: validate,
 * de-duplicate, number, write a batch (RequestStore.recordBatch), hand the recorded
 * events to this instance's watchers, publish them to the fan-out, then ack.
 * Batches are group-committed: a batch starts as soon as no more input is
 * waiting, up to MAX_BATCHES_IN_FLIGHT side by side on disjoint requests, and
 * whatever arrives meanwhile forms the next one. The fan-out publish, dead
 * letters and ack of a batch run while the next ones are written, in one
 * chain in the order the batches were taken (dead letters keep their arrival
 * order); an input is
 * acked only once its events are on the fan-out and every delivery before it
 * on its channel is settled too (AckWindow), so a crash before that
 * redelivers it, and the de-duplication
 * re-publishes it with its old seq. Deliveries of every held shard share the
 * batches: a request's events all come from one shard, in order.
 */
@Injectable()
export class EventRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventRecorder.name);
  private waiting: Delivery[] = [];
  private flushScheduled = false;
  /** Requests of the batches being recorded now: their later events wait for the next batch. */
  private readonly busyRequests = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Per channel: its deliveries, acked as a done prefix (batches finish out of order). */
  private readonly ackWindows = new WeakMap<Channel, AckWindow<ConsumeMessage>>();
  private stopping = false;
  /** The last batch's fan-out and ack; each batch's settles after the one before. */
  private settled: Promise<void> = Promise.resolve();
  private unsettled = 0;
  private readonly consumers = new Map<number, ConsumerHandle[]>();
  /** Shards being handed over: their deliveries are no longer taken (the broker gets them back). */
  private readonly releasing = new Set<number>();

  constructor(
    private readonly consumer: BrokerConsumer,
    private readonly broker: BrokerPublisher,
    /** Writes the batches: on the recording thread (RECORDING_THREAD) or on this one. */
    private readonly batches: BatchRecorder,
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
            this.ackWindowOf(channel).add(message);
            this.waiting.push({ message, channel, shard, event: this.decode(message) });
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
    await Promise.all(this.inFlight);
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
    if (this.flushScheduled || this.inFlight.size >= MAX_BATCHES_IN_FLIGHT) return;
    this.flushScheduled = true;
    // setImmediate lets the deliveries already read from the socket join this batch.
    setImmediate(() => this.flush());
  }

  /** Starts batches while there is room and input whose requests no batch in flight holds. */
  private flush(): void {
    this.flushScheduled = false;
    while (!this.stopping && this.inFlight.size < MAX_BATCHES_IN_FLIGHT) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      const requestIds = new Set(batch.flatMap((d) => ('draft' in d.event ? [d.event.draft.requestId] : [])));
      for (const id of requestIds) this.busyRequests.add(id);
      const turn = this.reserveSettleTurn();
      const recording: Promise<void> = this.recordUntilDone(batch, turn).finally(() => {
        for (const id of requestIds) this.busyRequests.delete(id);
        this.inFlight.delete(recording);
        if (this.waiting.length > 0) this.scheduleFlush();
      });
      this.inFlight.add(recording);
    }
  }

  /** Up to MAX_BATCH waiting deliveries, in order, leaving those of requests a batch in flight holds (all of them: order). */
  private takeBatch(): Delivery[] {
    if (this.busyRequests.size === 0) return this.waiting.splice(0, MAX_BATCH);
    const batch: Delivery[] = [];
    const left: Delivery[] = [];
    for (const delivery of this.waiting) {
      const busy = 'draft' in delivery.event && this.busyRequests.has(delivery.event.draft.requestId);
      if (busy || batch.length >= MAX_BATCH) left.push(delivery);
      else batch.push(delivery);
    }
    this.waiting = left;
    return batch;
  }

  /**
   * The batch's place in the settle chain, taken when it starts: batches
   * written side by side still publish to the fan-out, dead-letter and ack in
   * the order they were taken, so dead letters keep their arrival order.
   * Hand it the batch's settle work once it is recorded (or nothing, to
   * give the place up).
   */
  private reserveSettleTurn(): SettleTurn {
    let hand!: (settle: (() => Promise<void>) | undefined) => void;
    const work = new Promise<(() => Promise<void>) | undefined>((resolve) => (hand = resolve));
    const done = this.settled.then(() => work).then(async (settle) => {
      if (!settle) return;
      try {
        await settle();
      } finally {
        this.unsettled--;
      }
    });
    this.settled = done;
    let handed = false;
    return {
      hand: (settle) => {
        if (handed) return;
        handed = true;
        if (settle) this.unsettled++;
        hand(settle);
      },
      done,
    };
  }

  /** Never gives up on a batch: a failure waits and retries, the messages stay unacked meanwhile. */
  private async recordUntilDone(batch: Delivery[], turn: SettleTurn): Promise<void> {
    try {
      while (!this.stopping) {
        try {
          await this.record(batch, turn);
          return;
        } catch (error) {
          this.logger.error(`recording a batch of ${batch.length} failed, retrying: ${(error as Error).message}`);
          await sleep(RETRY_DELAY_MS);
        }
      }
    } finally {
      // Stopped before it was recorded: its place in the chain is given up (the broker redelivers its inputs).
      // Once handed its work, a turn ignores this.
      turn.hand(undefined);
    }
  }

  private async record(batch: Delivery[], turn: SettleTurn): Promise<void> {
    const usable: Usable[] = [];
    const unusable: Unusable[] = [];
    for (const delivery of batch) {
      if ('draft' in delivery.event) usable.push({ ...delivery, draft: delivery.event.draft });
      else unusable.push({ ...delivery, reason: delivery.event.reason });
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
    // Its fan-out, dead letters and ack run in its turn, behind the batches taken before it; when too many
    // recorded batches wait to settle, this one waits for its own (memory stays bounded).
    turn.hand(() => this.settle(batch, events, unusable));
    if (this.unsettled >= MAX_UNSETTLED_BATCHES) await turn.done;
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
      return await this.batches.recordBatch(drafts);
    } catch (error) {
      await this.store.ping(); // throws while the database is away: retry the whole batch later
      this.logger.warn(`batch refused (${(error as Error).message}); isolating the offending events`);
      const results: BatchResult[] = [];
      for (const u of [...usable]) {
        try {
          results.push(await this.batches.recordBatch([u.draft]));
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

  /** A delivery's event, decoded once; an event without eventId gets one fixed per delivery, so a retried batch does not record it twice. */
  private decode(message: ConsumeMessage): Delivery['event'] {
    try {
      const body = decodeAgentEventBody(message.content, this.config.MAX_EVENT_BYTES);
      return { draft: mapAgentEvent(body, message.properties.messageId ?? randomUUID()) };
    } catch (error) {
      return { reason: error instanceof UnusableEventError ? error.message : `body cannot be used: ${(error as Error).message}` };
    }
  }

  private ackWindowOf(channel: Channel): AckWindow<ConsumeMessage> {
    let window = this.ackWindows.get(channel);
    if (!window) this.ackWindows.set(channel, (window = new AckWindow()));
    return window;
  }

  /** One multiple-ack per channel, up to the newest delivery before which every one is done (batches finish out of order). */
  private ackAll(batch: Delivery[]): void {
    const perChannel = new Map<Channel, ConsumeMessage[]>();
    for (const { message, channel } of batch) perChannel.get(channel)?.push(message) ?? perChannel.set(channel, [message]);
    for (const [channel, messages] of perChannel) {
      const upTo = this.ackWindowOf(channel).complete(messages);
      if (upTo) settle(channel, (c) => c.ack(upTo, true));
    }
  }
}
