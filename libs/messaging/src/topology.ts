import type { RabbitMQExchangeConfig, RabbitMQQueueConfig } from '@golevelup/nestjs-rabbitmq';
import { CommandRoutingKeys, Exchanges, Queues } from '@app/contracts';

/**
 * The broker topology of docs/protocol.md §2, declared by every process on start-up
 * (and again after a reconnect), so gateway and agents may start in any order.
 */
export const EXCHANGES: RabbitMQExchangeConfig[] = [
  { name: Exchanges.agentEvents, type: 'topic', options: { durable: true } },
  { name: Exchanges.agentCommands, type: 'topic', options: { durable: true } },
  { name: Exchanges.recorded, type: 'fanout', options: { durable: true } },
  { name: Exchanges.deadLetter, type: 'direct', options: { durable: true } },
  { name: Exchanges.requestEvents, type: 'topic', options: { durable: true } },
  { name: Exchanges.agentWorkers, type: 'fanout', options: { durable: true } },
];

export const INGEST_QUEUE_OPTIONS = {
  durable: true,
  arguments: {
    // One ingester at a time keeps per-request order; another instance takes over when it dies.
    'x-single-active-consumer': true,
    'x-dead-letter-exchange': Exchanges.deadLetter,
    'x-dead-letter-routing-key': Queues.dead,
  },
};

export const QUEUES: RabbitMQQueueConfig[] = [
  { name: Queues.ingest, options: INGEST_QUEUE_OPTIONS, exchange: Exchanges.agentEvents, routingKey: '#' },
  { name: Queues.dead, options: { durable: true }, exchange: Exchanges.deadLetter, routingKey: Queues.dead },
  { name: Queues.agentStart, options: { durable: true }, exchange: Exchanges.agentCommands, routingKey: CommandRoutingKeys.start },
];

export function exchangeType(name: string): string {
  return EXCHANGES.find((e) => e.name === name)?.type ?? 'topic';
}
