import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Channel } from 'amqplib';
import type { Server, Socket } from 'socket.io';
import { Exchanges, fanoutBucketOf, type RecordedBatch, type RecordedMessage } from '@app/contracts';
import { BrokerConsumer, settle } from '@app/messaging';
import { RequestStore } from '@app/persistence';
import { ORIGIN_HEADER, RecordedEventsPublisher } from '../recording';
import { GatewayMetrics } from '../metrics';
import { roomOf, type WatcherSocket } from './delivery-ports';
import { RequestFeed } from './request-feed';

/** A fan-out bucket some feed here needs: how many feeds, and whether the queue is bound to it yet. */
interface BucketBinding {
  feeds: number;
  bound: boolean;
}

/**
 * This instance's side of the fan-out: one consumer per process (never one
 * per socket), routing recorded events to the feeds of requests watched here.
 * Its queue is bound only to the buckets of the requests watched here, so it
 * receives those (and the few that share their buckets), not the cluster's
 * whole stream. A watch that begins before its bucket is bound reads what
 * it missed from the log once the binding is in place (as after a reconnect).
 */
@Injectable()
export class LiveDelivery implements OnApplicationBootstrap {
  private readonly logger = new Logger(LiveDelivery.name);
  private readonly feeds = new Map<string, RequestFeed>();
  private server: Server | undefined;
  private onRefused: (socket: WatcherSocket, requestId: string) => void = () => undefined;
  private readonly buckets = new Map<string, BucketBinding>();
  /** The fan-out queue and its channel, as of the last (re)attach. */
  private fanout: { queue: string; channel: Channel } | undefined;
  /** Feeds whose watch began while their bucket was not bound: they read the log once their sync completes. */
  private readonly beganUnbound = new Set<string>();

  constructor(
    private readonly consumer: BrokerConsumer,
    private readonly store: RequestStore,
    private readonly recorded: RecordedEventsPublisher,
    private readonly metrics: GatewayMetrics,
  ) {}

  /** `onRefused`: a socket that watched an id before it existed, now created by someone it may not watch. */
  attach(server: Server, onRefused: (socket: WatcherSocket, requestId: string) => void): void {
    this.server = server;
    this.onRefused = onRefused;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.recorded.onLocal((events) => this.route(events));
    await this.consumer.consume(
      {
        name: 'fanout',
        queueOptions: { exclusive: true, autoDelete: true, durable: false },
        bindings: [],
        prefetch: 200,
        // A new queue (first attach, reconnect): bind the buckets watched now; what was fanned out
        // while this instance had no queue never reaches it, so the feeds read it from the log.
        onAttached: async (attached) => {
          this.fanout = attached;
          for (const state of this.buckets.values()) state.bound = false;
          await Promise.all([...this.buckets.keys()].map((bucket) => this.bind(bucket)));
          this.feeds.forEach((feed) => void feed.catchUpFromLog());
        },
      },
      (message, channel) => {
        this.metrics.fanoutMessage('received');
        // Our own recorder's events: already delivered here, in process.
        if (message.properties.headers?.[ORIGIN_HEADER] === this.recorded.origin) return settle(channel, (c) => c.ack(message));
        try {
          const { events } = JSON.parse(message.content.toString('utf8')) as RecordedBatch;
          this.metrics.fanoutReceivedEvents(events.length, events.filter((e) => this.feeds.has(e.requestId)).length);
          this.route(events);
        } catch (error) {
          this.logger.error(`unreadable fan-out message dropped: ${(error as Error).message}`);
        }
        settle(channel, (c) => c.ack(message));
      },
    );
  }

  /** Starts watching: the socket buffers live events until `completeSync`. */
  beginSync(socket: Socket, requestId: string): void {
    this.feed(requestId).beginSync(socket);
    if (!this.buckets.get(fanoutBucketOf(requestId))?.bound) this.beganUnbound.add(requestId);
  }

  completeSync(socket: Socket, requestId: string, floor: number, options?: Parameters<RequestFeed['completeSync']>[2]): void {
    // Gone while its snapshot was read: handleDisconnect already ran, so forget it here.
    if (!socket.connected) return this.stopWatching(socket, requestId);
    const feed = this.feeds.get(requestId);
    feed?.completeSync(socket, floor, options);
    // Its snapshot may be older than the binding: what was recorded in between came to no queue of ours.
    if (feed && this.beganUnbound.has(requestId) && this.buckets.get(fanoutBucketOf(requestId))?.bound) {
      this.beganUnbound.delete(requestId);
      void feed.catchUpFromLog();
    }
  }

  /** Back to the live stream from where the socket was, after a failed re-watch. */
  resumeSync(socket: Socket, requestId: string): void {
    if (!socket.connected) return this.stopWatching(socket, requestId);
    this.feeds.get(requestId)?.resume(socket);
  }

  stopWatching(socket: WatcherSocket, requestId: string): void {
    const feed = this.feeds.get(requestId);
    if (!feed) return socket.leave(roomOf(requestId)) as void;
    feed.remove(socket);
    this.dropIfUnwatched(feed);
  }

  /** After a disconnect Socket.IO has left the rooms; forget the feeds nobody here watches. */
  forgetSocket(socket: WatcherSocket, requestIds: Iterable<string>): void {
    for (const requestId of requestIds) this.stopWatching(socket, requestId);
  }

  private route(events: RecordedMessage[]): void {
    let start = 0;
    for (let i = 1; i <= events.length; i++) {
      if (i === events.length || events[i].requestId !== events[start].requestId) {
        this.feeds.get(events[start].requestId)?.accept(events.slice(start, i));
        start = i;
      }
    }
  }

  private feed(requestId: string): RequestFeed {
    let feed = this.feeds.get(requestId);
    if (!feed) {
      feed = new RequestFeed(
        requestId,
        {
          broadcast: (room, message) => {
            this.server?.to(room).emit(message.type, message);
            this.metrics.broadcast(message);
          },
        },
        this.store,
        (socket) => this.onRefused(socket, requestId),
        (error) => this.logger.warn({ requestId, error: error.message }, 'reading the log failed'),
        (socket) => (socket as Socket).conn?.close(true),
      );
      this.feeds.set(requestId, feed);
      this.watchBucket(fanoutBucketOf(requestId));
    }
    return feed;
  }

  private watchBucket(bucket: string): void {
    const state = this.buckets.get(bucket);
    if (state) {
      state.feeds++;
      return;
    }
    this.buckets.set(bucket, { feeds: 1, bound: false });
    void this.bind(bucket);
  }

  private unwatchBucket(bucket: string): void {
    const state = this.buckets.get(bucket);
    if (!state || --state.feeds > 0) return;
    this.buckets.delete(bucket);
    const fanout = this.fanout;
    // Queued on the channel after any bind of the same bucket, so the last word wins. A failure
    // means the channel is gone: its queue (exclusive) went with it, and the next one binds afresh.
    if (fanout) fanout.channel.unbindQueue(fanout.queue, Exchanges.recordedByBucket, bucket).catch(() => undefined);
  }

  /** Binds the queue to a bucket; once bound, the bucket's feeds read from the log what came before. */
  private async bind(bucket: string): Promise<void> {
    const fanout = this.fanout;
    if (!fanout) return; // not attached yet: onAttached binds every bucket
    try {
      await fanout.channel.bindQueue(fanout.queue, Exchanges.recordedByBucket, bucket);
    } catch (error) {
      this.logger.warn(`binding fan-out bucket ${bucket} failed (the reconnect binds it again): ${(error as Error).message}`);
      return;
    }
    const state = this.buckets.get(bucket);
    if (!state || this.fanout !== fanout) return;
    state.bound = true;
    for (const feed of this.feeds.values()) {
      if (fanoutBucketOf(feed.requestId) === bucket) void feed.catchUpFromLog();
    }
  }

  private dropIfUnwatched(feed: RequestFeed): void {
    const inRoom = this.server?.sockets.adapter.rooms.get(roomOf(feed.requestId))?.size ?? 0;
    if (inRoom === 0 && feed.idle) {
      feed.close();
      this.feeds.delete(feed.requestId);
      this.beganUnbound.delete(feed.requestId);
      this.unwatchBucket(fanoutBucketOf(feed.requestId));
    }
  }
}
