import { createHash } from 'node:crypto';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable, Logger } from '@nestjs/common';
import type { Channel, GetMessage } from 'amqplib';
import {
  CommandError,
  DEAD_LETTER_PREVIEW_BYTES,
  DEAD_LETTER_REASON_HEADER,
  DEAD_LETTER_SCAN_MAX,
  ErrorCode,
  Exchanges,
  Queues,
  type AdminDeadLetterPage,
  type DeadLetterActionResult,
  type DeadLetterView,
} from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';
import { AdvisoryLock } from '@app/persistence';
import { withOwnChannel } from './own-channel';

/** Arbitrary, fixed, distinct from the migration and retention locks: every gateway uses the same key. */
export const DEAD_LETTER_LOCK_KEY = 7_365_001_050;
const LOCK_WAIT_MS = 5000;
/** Headers the gateway or the broker add when dead-lettering: not sent again on a requeue. */
const DEAD_LETTER_HEADERS = [DEAD_LETTER_REASON_HEADER, 'x-original-routing-key', 'x-dead-lettered-at', 'x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason'];
/** Bodies larger than this are not parsed for their requestId and type. */
const PARSE_MAX_BYTES = 1 << 20;

interface XDeath {
  reason?: string;
  time?: unknown;
  'routing-keys'?: string[];
}

/**
 * Reads `websocket.progress.dead` without consuming it, and discards or
 * requeues one message by id.
 *
 * How: on a channel of its own, `basic.get` (with acks) takes messages from
 * the head and holds them unacked; closing the channel returns every one
 * still held to the queue, in its original position (RabbitMQ requeues to
 * the original position), so a read leaves the queue as it was. A discard
 * acks just its message before closing; a requeue first publishes the body to
 * `agent.events` with its original routing key and waits for the broker's
 * confirm, then acks (at least once: a crash in between leaves it here too).
 * While held, messages are invisible to other readers, so every operation
 * runs under a Postgres advisory lock: two operators (on any gateways) never
 * see a half-taken queue. New dead letters go to the tail meanwhile.
 * Memory: at most DEAD_LETTER_SCAN_MAX messages are held at once.
 */
@Injectable()
export class DeadLetterQueue {
  private readonly logger = new Logger(DeadLetterQueue.name);

  constructor(
    private readonly amqp: AmqpConnection,
    private readonly publisher: BrokerPublisher,
    private readonly lock: AdvisoryLock,
  ) {}

  /** The first `limit` messages, oldest first, and how many the queue holds. */
  list(limit: number): Promise<AdminDeadLetterPage> {
    return this.withHeldChannel(async (channel) => {
      const { messageCount } = await channel.checkQueue(Queues.dead);
      const items: DeadLetterView[] = [];
      for (let i = 0; i < limit; i++) {
        const message = await channel.get(Queues.dead, { noAck: false });
        if (!message) break;
        items.push(describeDeadLetter(message));
      }
      return { total: messageCount, items };
    });
  }

  discard(id: string): Promise<DeadLetterActionResult> {
    return this.withHeldChannel(async (channel) => {
      const message = await find(channel, id);
      channel.ack(message);
      this.logger.log({ deadLetterId: id }, 'dead letter discarded');
      return { id, action: 'discarded', routingKey: null };
    });
  }

  /** Publishes it to `agent.events` again, with its original routing key and headers, then removes it here. */
  requeue(id: string): Promise<DeadLetterActionResult> {
    return this.withHeldChannel(async (channel) => {
      const message = await find(channel, id);
      const routingKey = originalRoutingKey(message);
      if (!routingKey) throw new CommandError(ErrorCode.CONFLICT, 'this dead letter has no original routing key to requeue it with');
      const headers = { ...(message.properties.headers ?? {}) };
      for (const name of DEAD_LETTER_HEADERS) delete headers[name];
      await this.publisher.publish(Exchanges.agentEvents, routingKey, message.content, {
        headers,
        ...(message.properties.messageId ? { messageId: String(message.properties.messageId) } : {}),
      });
      channel.ack(message);
      this.logger.log({ deadLetterId: id, routingKey }, 'dead letter requeued');
      return { id, action: 'requeued', routingKey };
    });
  }

  /** Closing the channel returns every message still unacked to its place in the queue. */
  private withHeldChannel<T>(work: (channel: Channel) => Promise<T>): Promise<T> {
    return this.lock.exclusive(DEAD_LETTER_LOCK_KEY, LOCK_WAIT_MS, () => withOwnChannel(this.amqp, work));
  }
}

/** Takes messages from the head until `id` (the others stay held, to be returned on close). */
async function find(channel: Channel, id: string): Promise<GetMessage> {
  for (let i = 0; i < DEAD_LETTER_SCAN_MAX; i++) {
    const message = await channel.get(Queues.dead, { noAck: false });
    if (!message) break;
    if (deadLetterId(message) === id) return message;
  }
  throw new CommandError(ErrorCode.NOT_FOUND, `no dead letter ${id} among the first ${DEAD_LETTER_SCAN_MAX} of the queue`);
}

/** Stable across reads: the body and what was set when it was published (not the delivery's fields). */
export function deadLetterId(message: GetMessage): string {
  const { headers, messageId, timestamp } = message.properties;
  return createHash('sha256')
    .update(message.content)
    .update(JSON.stringify([headers ?? {}, messageId ?? null, timestamp ?? null]))
    .digest('hex')
    .slice(0, 32);
}

function firstDeath(message: GetMessage): XDeath | undefined {
  const deaths = message.properties.headers?.['x-death'];
  return Array.isArray(deaths) ? (deaths[0] as XDeath) : undefined;
}

function header(message: GetMessage, name: string): string | undefined {
  const value = message.properties.headers?.[name];
  return value === undefined || value === null ? undefined : Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}

export function originalRoutingKey(message: GetMessage): string | null {
  return header(message, 'x-original-routing-key') ?? firstDeath(message)?.['routing-keys']?.[0] ?? null;
}

function deadLetteredAt(message: GetMessage): string | null {
  const stamped = header(message, 'x-dead-lettered-at');
  if (stamped && !Number.isNaN(Date.parse(stamped))) return new Date(stamped).toISOString();
  // The broker's x-death time is an AMQP timestamp: seconds.
  const time = firstDeath(message)?.time;
  const seconds = typeof time === 'number' ? time : typeof (time as { value?: unknown })?.value === 'number' ? (time as { value: number }).value : undefined;
  return seconds === undefined ? null : new Date(seconds * 1000).toISOString();
}

function bodyFields(content: Buffer): { requestId?: string; type?: string } {
  if (content.length > PARSE_MAX_BYTES) return {};
  try {
    const body: unknown = JSON.parse(content.toString('utf8'));
    if (typeof body !== 'object' || body === null) return {};
    const { requestId, type } = body as Record<string, unknown>;
    return { ...(typeof requestId === 'string' ? { requestId } : {}), ...(typeof type === 'string' ? { type } : {}) };
  } catch {
    return {};
  }
}

export function describeDeadLetter(message: GetMessage): DeadLetterView {
  return {
    id: deadLetterId(message),
    reason: header(message, DEAD_LETTER_REASON_HEADER) ?? firstDeath(message)?.reason ?? null,
    routingKey: originalRoutingKey(message),
    deadLetteredAt: deadLetteredAt(message),
    ...bodyFields(message.content),
    bytes: message.content.length,
    preview: message.content.subarray(0, DEAD_LETTER_PREVIEW_BYTES).toString('utf8'),
    previewTruncated: message.content.length > DEAD_LETTER_PREVIEW_BYTES,
  };
}
