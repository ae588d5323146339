import type { ChannelModel } from 'amqplib';
import type { AgentEvent } from '@app/agent-kit';
import { Exchanges } from '@app/contracts';

export type Seen = AgentEvent & { at: number };

/** Everything published to `agent.events`, through a queue of the test's own. */
export class EventTap {
  readonly events: Seen[] = [];

  static async open(connection: ChannelModel): Promise<EventTap> {
    const tap = new EventTap();
    const channel = await connection.createChannel();
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, Exchanges.agentEvents, '#');
    await channel.consume(queue, (m) => m && tap.events.push({ ...JSON.parse(m.content.toString()), at: Date.now() }), { noAck: true });
    return tap;
  }

  of(requestId: string): Seen[] {
    return this.events.filter((e) => e.requestId === requestId);
  }

  async waitFor(requestId: string, predicate: (e: Seen) => boolean, timeoutMs = 10_000): Promise<Seen> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(requestId).find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting on ${requestId}; saw ${JSON.stringify(trace(this.of(requestId)))}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Waits for the run's request.completed, and returns all its events. */
  async end(requestId: string, timeoutMs?: number): Promise<Seen[]> {
    await this.waitFor(requestId, (e) => e.type === 'request.completed', timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, 50)); // anything after the end would be a bug: let it show
    return this.of(requestId);
  }
}

/** `type step status` per event, to read like the protocol. */
export function trace(events: AgentEvent[]): string[] {
  return events.map((e) => [e.type, e.data.stepOrder ?? e.data.step, e.data.status].filter((x) => x !== undefined).join(' '));
}

