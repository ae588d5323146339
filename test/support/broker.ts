import amqp, { type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { Exchanges, Queues } from '@app/contracts';

/** A plain amqplib connection to the run's vhost, for playing an agent or reading the dead-letter queue. */
export class TestBroker {
  private constructor(
    private readonly connection: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async connect(): Promise<TestBroker> {
    const connection = await amqp.connect(process.env.AMQP_URL as string);
    return new TestBroker(connection, await connection.createConfirmChannel());
  }

  /** Publishes a body (object as JSON, or raw bytes as they are) to `agent.events`. */
  async publishAgentEvent(routingKey: string, body: object | Buffer, headers?: Record<string, unknown>): Promise<void> {
    this.sendAgentEvent(routingKey, body, headers);
    await (this.channel as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
  }

  /** Publishes without waiting for the confirm (many in a row); `confirmed()` waits for them all. */
  sendAgentEvent(routingKey: string, body: object | Buffer, headers?: Record<string, unknown>): void {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    this.channel.publish(Exchanges.agentEvents, routingKey, content, { persistent: true, ...(headers ? { headers } : {}) });
  }

  async confirmed(): Promise<void> {
    await (this.channel as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
  }

  /** Takes every message now in the dead-letter queue. */
  async drainDeadLetters(): Promise<GetMessage[]> {
    const taken: GetMessage[] = [];
    for (;;) {
      const message = await this.channel.get(Queues.dead, { noAck: true });
      if (!message) return taken;
      taken.push(message);
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
