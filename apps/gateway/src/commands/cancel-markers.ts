import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { CANCELLED_MARKER_TTL_MS, cancelledMarkerQueue } from '@app/contracts';
import { BrokerUnavailableError } from '@app/messaging';

/**
 * Leaves a durable mark on the broker that a request was cancelled
 * (contracts' `cancelledMarkerQueue`): a worker that takes the request's
 * start later — none was up, or all were busy, when the broadcast cancel
 * went out — sees it before running anything and ends the run at once.
 * An empty queue, because the broker is the one store every agent reaches;
 * it deletes the marker after CANCELLED_MARKER_TTL_MS unused.
 */
@Injectable()
export class CancelMarkers {
  constructor(
    private readonly amqp: AmqpConnection,
    private readonly config: AppConfig,
  ) {}

  async mark(requestId: string): Promise<void> {
    const connection = this.amqp.managedConnection.connection;
    if (!connection) throw new BrokerUnavailableError('the message broker is not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new BrokerUnavailableError('the broker did not take the cancel marker in time')), this.config.PUBLISH_TIMEOUT_MS);
    });
    // A channel of its own: whatever the broker says about this queue cannot close the publishing channel.
    const declare = async () => {
      const channel = await connection.createChannel();
      channel.on('error', () => undefined); // reported through the rejected call
      try {
        await channel.assertQueue(cancelledMarkerQueue(requestId), { durable: true, arguments: { 'x-expires': CANCELLED_MARKER_TTL_MS } });
      } finally {
        await channel.close().catch(() => undefined);
      }
    };
    try {
      await Promise.race([declare(), timeout]);
    } catch (error) {
      throw error instanceof BrokerUnavailableError ? error : new BrokerUnavailableError(`cancel marker for ${requestId}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
