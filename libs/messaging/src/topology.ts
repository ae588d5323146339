import type { RabbitMQExchangeConfig, RabbitMQQueueConfig } from '@golevelup/nestjs-rabbitmq';
import amqplib from 'amqplib';
import { CommandRoutingKeys, Exchanges, Queues, REQUEST_ID_HEADER } from '@app/contracts';

/**
 * The broker topology of docs/protocol.md §2, declared by every process on start-up
 * (and again after a reconnect), so gateway and agents may start in any order.
 * The old fanout `websocket.recorded` is not declared any more: the fan-out
 * is `websocket.recorded.buckets` (direct), a new name because an existing
 * exchange cannot change its type.
 */
export const EXCHANGES: RabbitMQExchangeConfig[] = [
  { name: Exchanges.agentEvents, type: 'topic', options: { durable: true } },
  { name: Exchanges.agentCommands, type: 'topic', options: { durable: true } },
  { name: Exchanges.recordedByBucket, type: 'direct', options: { durable: true } },
  { name: Exchanges.deadLetter, type: 'direct', options: { durable: true } },
  { name: Exchanges.requestEvents, type: 'topic', options: { durable: true } },
  { name: Exchanges.agentWorkers, type: 'fanout', options: { durable: true } },
];

/** The ingest queue and every ingest shard queue: one active consumer at a time, dead-lettered. */
export const INGEST_QUEUE_OPTIONS = {
  durable: true,
  arguments: {
    // One consumer at a time keeps per-request order, also while a shard's lease moves: the next
    // holder's consumer becomes active only once the last one is gone and its unacked messages are back.
    'x-single-active-consumer': true,
    'x-dead-letter-exchange': Exchanges.deadLetter,
    'x-dead-letter-routing-key': Queues.dead,
  },
};

/**
 * With one shard (INGEST_SHARDS=1) the ingest queue is bound to `agent.events`
 * by every process, as it always was. With more, it is declared without a
 * binding (what was left in it is still drained) and the shards take the events.
 */
export function queuesFor(ingestShards: number): RabbitMQQueueConfig[] {
  const ingest: RabbitMQQueueConfig =
    ingestShards === 1
      ? { name: Queues.ingest, options: INGEST_QUEUE_OPTIONS, exchange: Exchanges.agentEvents, routingKey: '#' }
      : { name: Queues.ingest, options: INGEST_QUEUE_OPTIONS };
  return [
    ingest,
    { name: Queues.dead, options: { durable: true }, exchange: Exchanges.deadLetter, routingKey: Queues.dead },
    { name: Queues.agentStart, options: { durable: true }, exchange: Exchanges.agentCommands, routingKey: CommandRoutingKeys.start },
  ];
}

/** The queue of ingest shard `shard` (the classic ingest queue when there is only one). */
export function ingestShardQueue(shard: number, ingestShards: number): string {
  return ingestShards === 1 ? Queues.ingest : `${Queues.ingestShardPrefix}${shard}`;
}

export const CONSISTENT_HASH_PLUGIN = 'rabbitmq_consistent_hash_exchange';

/** The broker lacks the consistent-hash exchange type: start-up stops with this. */
export class MissingBrokerPluginError extends Error {
  override name = 'MissingBrokerPluginError';
}

/**
 * Declares the ingest shards (durable, so once is enough; after a broker
 * restart they are back from disk): the consistent-hash exchange bound to
 * `agent.events`, hashing the `x-request-id` header, and a queue per shard
 * with weight 1. With one shard, undoes the hash exchange's binding if an
 * earlier sharded deployment left one. On a connection of its own: a broker
 * without the plugin refuses the exchange type by closing the connection.
 */
export async function declareIngestShards(amqpUrl: string, ingestShards: number): Promise<void> {
  const connection = await amqplib.connect(amqpUrl);
  let closedWith: Error | undefined;
  connection.on('error', (error: Error) => (closedWith = error));
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // the failing call rejects too
    if (ingestShards === 1) {
      // 404 when no sharded deployment ever ran here: nothing to undo.
      await channel.unbindExchange(Exchanges.ingestShards, Exchanges.agentEvents, '#').catch(() => undefined);
      return;
    }
    try {
      await channel.assertExchange(Exchanges.ingestShards, 'x-consistent-hash', { durable: true, arguments: { 'hash-header': REQUEST_ID_HEADER } });
    } catch (error) {
      await new Promise((resolve) => setImmediate(resolve)); // the connection's own error may follow the call's
      const said = `${(error as Error).message} ${closedWith?.message ?? ''}`;
      if (/unknown exchange type|invalid exchange type/i.test(said)) {
        throw new MissingBrokerPluginError(
          `INGEST_SHARDS > 1 needs RabbitMQ's ${CONSISTENT_HASH_PLUGIN} plugin, which this broker does not have enabled: ` +
            `run \`rabbitmq-plugins enable ${CONSISTENT_HASH_PLUGIN}\` on every broker node (it is bundled with RabbitMQ; no restart needed), ` +
            `or set INGEST_SHARDS=1`,
        );
      }
      throw error;
    }
    for (let shard = 0; shard < ingestShards; shard++) {
      const queue = ingestShardQueue(shard, ingestShards);
      await channel.assertQueue(queue, INGEST_QUEUE_OPTIONS);
      // The routing key of a consistent-hash binding is the queue's weight.
      await channel.bindQueue(queue, Exchanges.ingestShards, '1');
    }
    await channel.bindExchange(Exchanges.ingestShards, Exchanges.agentEvents, '#');
    // The ingest queue of the unsharded topology stops filling (its leftovers are still recorded).
    await channel.unbindQueue(Queues.ingest, Exchanges.agentEvents, '#');
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export function exchangeType(name: string): string {
  return EXCHANGES.find((e) => e.name === name)?.type ?? 'topic';
}
