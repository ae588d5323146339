import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Queues } from '@app/contracts';
import { AppConfig } from '@app/config';
import { declareIngestShards, ingestShardQueue } from '@app/messaging';
import { ShardLeaseSession } from '@app/persistence';
import { GatewayMetrics } from '../metrics';
import { EventRecorder } from './event-recorder';
import { RecordedEventsPublisher } from './recorded-events.publisher';
import { planShardMoves, shardQuota } from './shard-plan';

/**
 * How often each gateway looks at the member list and its quota. A dead
 * gateway's leases are free at once (its database session ends), so a
 * shard moves within about one interval plus the time to attach a consumer.
 */
export const REBALANCE_INTERVAL_MS = 250;
/**
 * How long a member list that showed this gateway alone is trusted to skip
 * the fan-out; a starting gateway waits longer than that between joining the
 * member list and taking sockets, so that every other gateway has seen it by
 * the time one of its sockets could need their events.
 */
export const ALONE_TRUST_MS = 2 * REBALANCE_INTERVAL_MS;
const JOIN_SETTLE_MS = ALONE_TRUST_MS + 100;

/**
 * Which ingest shards this gateway records: a Postgres advisory-lock lease
 * per shard (ShardLeaseSession) plus the rebalance rule of shard-plan.ts.
 * Holding a lease is the right to consume the shard's queue; a lease is taken
 * before its consumer starts and given back only after the consumer stopped
 * and its batches were acked (EventRecorder.stopShard). Single active consumer
 * on every shard queue is the broker-side guard for the moments the two
 * disagree (a lost database session): a second consumer stays idle until the
 * first is gone and its unacked messages are back in the queue, in order.
 *
 * With INGEST_SHARDS=1 the one shard is the classic ingest queue on stock
 * RabbitMQ; the lease makes its holder known (and measured) instead of
 * whichever consumer the broker activated.
 */
@Injectable()
export class IngestShards implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(IngestShards.name);
  private readonly shards: number;
  private session: ShardLeaseSession | undefined;
  private readonly held = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopping = false;
  /** A failing rebalance is logged once until one succeeds again (every tick during a database outage would flood the log). */
  private failing = false;
  /** When the last member list that had this gateway alone was asked for (before the query was sent). */
  private aloneAsOf: number | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly recorder: EventRecorder,
    private readonly metrics: GatewayMetrics,
    recorded: RecordedEventsPublisher,
  ) {
    this.shards = config.INGEST_SHARDS;
    recorded.skipFanoutWhile(() => this.alone);
  }

  /**
   * No other gateway can be watching anything: the last member list showed
   * only this one and is recent enough (a gateway that joined since waits
   * JOIN_SETTLE_MS > ALONE_TRUST_MS before it takes sockets). A single gateway
   * then publishes no fan-out at all: the broker carries each event once.
   */
  get alone(): boolean {
    return this.aloneAsOf !== undefined && Date.now() - this.aloneAsOf < ALONE_TRUST_MS;
  }

  /** Declares the shards (stops start-up when the broker lacks the plugin) and takes a first share before the gateway serves. */
  async onApplicationBootstrap(): Promise<void> {
    await declareIngestShards(this.config.AMQP_URL, this.shards);
    await this.tick();
    this.timer = setInterval(() => void this.tick(), REBALANCE_INTERVAL_MS).unref();
    // Before this gateway takes sockets, every other one has stopped trusting a list without it.
    await new Promise((resolve) => setTimeout(resolve, JOIN_SETTLE_MS));
  }

  /** Runs before the broker consumers close: shards are handed back in order, then the session ends. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.ticking;
    for (const shard of [...this.held].sort((a, b) => b - a)) await this.release(shard).catch(() => undefined);
    await this.session?.close();
  }

  /** The shards this instance records now. */
  get heldShards(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  /** One look at the members and this instance's quota (never two at once). */
  tick(): Promise<void> {
    this.ticking ??= this.rebalance()
      .then(() => {
        if (this.failing) this.logger.log('shard rebalance works again');
        this.failing = false;
      })
      .catch((error: Error) => {
        if (!this.failing) this.logger.warn(`shard rebalance failed, retrying every ${REBALANCE_INTERVAL_MS} ms: ${error.message}`);
        this.failing = true;
      })
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async rebalance(): Promise<void> {
    if (this.stopping) return;
    const session = (this.session ??= await ShardLeaseSession.open(this.config.DATABASE_URL, (lost, error) => void this.lost(lost, error)));
    const askedAt = Date.now();
    const members = await session.members();
    this.aloneAsOf = members.length === 1 && members[0].key === session.key ? askedAt : undefined;
    const rank = members.findIndex((m) => m.key === session.key);
    const quota = shardQuota(this.shards, members.length, rank);
    const { release, candidates } = planShardMoves(this.shards, this.held, quota, rank);
    for (const shard of release) await this.release(shard);
    for (const shard of candidates) {
      if (this.held.size >= quota || this.stopping || session.isLost) break;
      if (await session.tryAcquire(shard)) await this.acquire(session, shard, members.length);
    }
  }

  private async acquire(session: ShardLeaseSession, shard: number, members: number): Promise<void> {
    const startedAt = Date.now();
    this.held.add(shard);
    this.metrics.ingestShardsHeld(this.held.size);
    // The holder of shard 0 also drains the unsharded ingest queue (left over from INGEST_SHARDS=1).
    const queues = shard === 0 && this.shards > 1 ? [ingestShardQueue(0, this.shards), Queues.ingest] : [ingestShardQueue(shard, this.shards)];
    await this.recorder.startShard(shard, queues);
    if (session.isLost) {
      // The session ended while the consumer was being attached: lost() has already run.
      this.held.delete(shard);
      return this.recorder.abandonShards();
    }
    this.logger.log({ shard, held: this.heldShards, members, attachMs: Date.now() - startedAt }, 'took ingest shard');
  }

  private async release(shard: number): Promise<void> {
    const startedAt = Date.now();
    await this.recorder.stopShard(shard);
    this.held.delete(shard);
    this.metrics.ingestShardsHeld(this.held.size);
    await this.session?.release(shard);
    this.logger.log({ shard, held: this.heldShards, handOverMs: Date.now() - startedAt }, 'handed back ingest shard');
  }

  /** The lease session ended (database restart, network): every lease is gone, so stop consuming now and rejoin. */
  private async lost(session: ShardLeaseSession, error?: Error): Promise<void> {
    if (this.session === session) this.session = undefined;
    this.aloneAsOf = undefined;
    if (this.stopping) return;
    this.logger.warn({ held: this.heldShards, error: error?.message }, 'shard leases lost with their database session; stopping their consumers');
    this.held.clear();
    this.metrics.ingestShardsHeld(0);
    await this.recorder.abandonShards();
    await session.close();
  }
}
