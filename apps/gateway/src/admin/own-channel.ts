import type { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Logger } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { CommandError } from '@app/contracts';
import { BrokerUnavailableError } from '@app/messaging';

const logger = new Logger('AdminBroker');

/**
 * Runs `work` on a short-lived channel of its own (never the shared publish
 * channel: a failed check or a held message must not disturb it), closed
 * afterwards, which returns whatever it still holds unacked to its queue.
 * Broker failures become UNAVAILABLE.
 */
export async function withOwnChannel<T>(amqp: AmqpConnection, work: (channel: Channel) => Promise<T>): Promise<T> {
  const connection = amqp.managedConnection.connection;
  if (!connection) throw new BrokerUnavailableError('not connected to the broker');
  let channel: Channel;
  try {
    channel = await connection.createChannel();
  } catch (error) {
    throw new BrokerUnavailableError(`no channel: ${(error as Error).message}`);
  }
  // A channel error (the broker closing it) rejects the pending call; without a listener it would crash the process.
  channel.on('error', (error: Error) => logger.warn(`admin channel: ${error.message}`));
  try {
    return await work(channel);
  } catch (error) {
    if (error instanceof CommandError || error instanceof BrokerUnavailableError) throw error;
    throw new BrokerUnavailableError(`broker: ${(error as Error).message}`);
  } finally {
    await channel.close().catch(() => undefined);
  }
}
