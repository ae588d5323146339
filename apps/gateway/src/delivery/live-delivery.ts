import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Server, Socket } from 'socket.io';
import { Exchanges, type RecordedBatch, type RecordedMessage } from '@app/contracts';
import { BrokerConsumer, settle } from '@app/messaging';
import { RequestStore } from '@app/persistence';
import { ORIGIN_HEADER, RecordedEventsPublisher } from '../recording';
import { GatewayMetrics } from '../metrics';
import { roomOf, type WatcherSocket } from './delivery-ports';
import { RequestFeed } from './request-feed';

/**
 * This instance's side of the fan-out: one consumer per process (never one
 * per socket), routing recorded events to the feeds of requests watched here.
 */
@Injectable()
export class LiveDelivery implements OnApplicationBootstrap {
  private readonly logger = new Logger(LiveDelivery.name);
  private readonly feeds = new Map<string, RequestFeed>();
  private server: Server | undefined;
  private onRefused: (socket: WatcherSocket, requestId: string) => void = () => undefined;

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
        bindings: [{ exchange: Exchanges.recorded, routingKey: '' }],
        prefetch: 200,
        // Events fanned out while this instance had no queue never reach it: read them from the log.
        onAttached: () => this.feeds.forEach((feed) => feed.catchUpFromLog()),
      },
      (message, channel) => {
        // Our own recorder's events: already delivered here, in process.
        if (message.properties.headers?.[ORIGIN_HEADER] === this.recorded.origin) return settle(channel, (c) => c.ack(message));
        try {
          this.route((JSON.parse(message.content.toString('utf8')) as RecordedBatch).events);
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
  }

  completeSync(socket: Socket, requestId: string, floor: number, options?: Parameters<RequestFeed['completeSync']>[2]): void {
    // Gone while its snapshot was read: handleDisconnect already ran, so forget it here.
    if (!socket.connected) return this.stopWatching(socket, requestId);
    this.feeds.get(requestId)?.completeSync(socket, floor, options);
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
    }
    return feed;
  }

  private dropIfUnwatched(feed: RequestFeed): void {
    const inRoom = this.server?.sockets.adapter.rooms.get(roomOf(feed.requestId))?.size ?? 0;
    if (inRoom === 0 && feed.idle) {
      feed.close();
      this.feeds.delete(feed.requestId);
    }
  }
}
