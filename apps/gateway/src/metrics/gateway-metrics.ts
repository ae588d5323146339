import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Server } from 'socket.io';
import type { DeadLetterReason, RecordedMessage } from '@app/contracts';
import { SocketCensus } from '../presence';

/**
 * This instance's figures (docs/protocol.md §3 `/metrics`). Each app has its own
 * registry, so two gateways in one process (tests) do not share counters.
 * Labels are bounded sets (types, commands, error codes): never an id.
 */
@Injectable()
export class GatewayMetrics {
  readonly registry = new Registry();
  /**
   * Diagnostics beyond the protocol's metric list (docs/protocol.md §3 is the contract; these
   * may change): served on /metrics beside it, for the cluster bench and for tuning.
   */
  readonly diagnostics = new Registry();

  private readonly recorded = new Counter({
    name: 'agent_stream_events_recorded_total',
    help: 'Events recorded in the log, by recorded type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  private readonly deadLetters = new Counter({
    name: 'agent_stream_events_dead_lettered_total',
    help: 'Agent messages moved to the dead-letter queue',
    registers: [this.registry],
  });
  private readonly delivered = new Counter({
    name: 'agent_stream_events_delivered_total',
    help: 'Socket emits of recorded events (one per message per socket)',
    registers: [this.registry],
  });
  private readonly commands = new Counter({
    name: 'agent_stream_commands_total',
    help: 'Socket commands by command and result (ok or the error code)',
    labelNames: ['command', 'result'],
    registers: [this.registry],
  });
  private readonly batchSize = new Histogram({
    name: 'agent_stream_record_batch_size',
    help: 'Agent events per recorded batch',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });
  private readonly recordDuration = new Histogram({
    name: 'agent_stream_record_duration_seconds',
    help: 'Time to record one batch (one transaction)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  private readonly requestsFinished = new Counter({
    name: 'agent_stream_requests_finished_total',
    help: 'Requests that finished (a request.completed was recorded), by final status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly webhookDeliveries = new Counter({
    name: 'agent_stream_webhook_deliveries_total',
    help: 'Webhook POST attempts: ok (delivered), retry (failed, another attempt follows), failed (given up)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly deliveryLatency = new Histogram({
    name: 'agent_stream_delivery_latency_seconds',
    help: 'From recorded (ts) to emitted to the sockets on this instance',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly shardsHeld = new Gauge({
    name: 'agent_stream_ingest_shards_held',
    help: 'Ingest shards this instance records now',
    registers: [this.registry],
  });
  private readonly fanoutReceived = new Counter({
    name: 'agent_stream_fanout_events_received_total',
    help: 'Recorded events this instance received from other instances (fan-out)',
    registers: [this.registry],
  });
  private readonly fanoutWatched = new Counter({
    name: 'agent_stream_fanout_events_watched_total',
    help: 'Of the fan-out events received, those of requests watched on this instance when they arrived',
    registers: [this.diagnostics],
  });

  private readonly fanoutMessages = new Counter({
    name: 'agent_stream_fanout_messages_total',
    help: 'Fan-out messages this instance published, and received (its own copies included): broker traffic per recorded event',
    labelNames: ['direction'],
    registers: [this.diagnostics],
  });

  constructor(private readonly census: SocketCensus) {
    // Read when scraped, from Socket.IO's own bookkeeping: nothing on the hot path.
    new Gauge({
      name: 'agent_stream_connected_sockets',
      help: 'Sockets connected to this instance',
      registers: [this.registry],
      collect() {
        this.set(census.connectedSockets());
      },
    });
    new Gauge({
      name: 'agent_stream_watched_requests',
      help: 'Requests with at least one watching socket on this instance',
      registers: [this.registry],
      collect() {
        this.set(census.watchedRequests());
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The Socket.IO server whose sockets and rooms the gauges and presence
   * count. Deliveries are counted per socket as Socket.IO sends them (room
   * broadcasts and catch-up emits alike): recorded messages only, not `state`.
   */
  attach(server: Server): void {
    this.census.attach(server);
    server.on('connection', (socket) =>
      socket.onAnyOutgoing((event: string, message?: { seq?: unknown }) => {
        if (event !== 'state' && typeof message?.seq === 'number') this.delivered.inc();
      }),
    );
  }

  /** Times one batch of `size` agent events; a failed attempt (retried later) is not counted. */
  async timeRecording<T>(size: number, write: () => Promise<T>): Promise<T> {
    const stop = this.recordDuration.startTimer();
    const result = await write();
    stop();
    this.batchSize.observe(size);
    return result;
  }

  /** Newly recorded messages (not re-published duplicates): a request.completed also counts its request as finished. */
  eventsRecorded(messages: readonly RecordedMessage[]): void {
    for (const message of messages) {
      this.recorded.inc({ type: message.type });
      // A request records one request.completed (later ones are dropped as after its end): one count per finished request.
      if (message.type === 'request.completed') this.requestsFinished.inc({ status: message.status });
    }
  }

  webhookDelivery(result: 'ok' | 'retry' | 'failed'): void {
    this.webhookDeliveries.inc({ result });
  }

  deadLettered(): void {
    this.deadLetters.inc();
  }

  /** A recorded message broadcast to its room on this instance: how long since it was recorded. */
  broadcast(message: RecordedMessage): void {
    const latencyMs = Date.now() - Date.parse(message.ts);
    if (Number.isFinite(latencyMs)) this.deliveryLatency.observe(Math.max(0, latencyMs) / 1000);
  }

  fanoutMessage(direction: 'published' | 'received'): void {
    this.fanoutMessages.inc({ direction });
  }

  ingestShardsHeld(count: number): void {
    this.shardsHeld.set(count);
  }

  /** A fan-out message from another instance: its events, and how many of them were of requests watched here. */
  fanoutReceivedEvents(received: number, watched: number): void {
    this.fanoutReceived.inc(received);
    this.fanoutWatched.inc(watched);
  }

  command(command: string, result: string): void {
    this.commands.inc({ command, result });
  }

  /** The last few dead letters of this instance, newest first (the console's health view shows them). */
  readonly recentDeadLetters: DeadLetterReason[] = [];
  private static readonly RECENT_DEAD_LETTERS = 5;

  /** An agent message dead-lettered: counted, and its reason kept among the last few. */
  deadLetteredBecause(reason: string, routingKey: string): void {
    this.deadLettered();
    this.recentDeadLetters.unshift({ at: new Date().toISOString(), reason, routingKey });
    this.recentDeadLetters.length = Math.min(this.recentDeadLetters.length, GatewayMetrics.RECENT_DEAD_LETTERS);
  }
}
