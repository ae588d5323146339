import amqp from 'amqplib';
import { AgentEventSink, AgentRunSession, sleep, type AgentEvent } from '@app/agent-kit';
import { CpuMeter, ownCpuSeconds, wallNow } from '../common';

/** An exchange bound to nothing: the broker confirms each event and drops it, so the product records none of them. */
const EXCHANGE = 'bench.kit-coalescing';

export interface CoalescingResult {
  streams: number;
  tokensPerSecond: number;
  eventsPerSecond: number;
  /** This process's CPU (the kit, the token sources and the AMQP client), % of one core. */
  cpuPercent: number;
}

/**
 * Scenario (g)'s second half: `streams` runs of the agent kit, each
 * `agent.stream()`ing a source that yields `perStream` tokens a second, with
 * the kit's default coalescing, publishing with confirms to the real broker.
 * What it shows: output events per second against tokens per second.
 */
export async function measureKitCoalescing(amqpUrl: string, streams: number, perStream: number, seconds: number): Promise<CoalescingResult> {
  const connection = await amqp.connect(amqpUrl, { noDelay: true });
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertExchange(EXCHANGE, 'fanout', { durable: false, autoDelete: false });
    let events = 0;
    const sink = new (class extends AgentEventSink {
      publish(event: AgentEvent): Promise<void> {
        if (event.type.endsWith('.output')) events++;
        return new Promise((resolve, reject) => channel.publish(EXCHANGE, '', Buffer.from(JSON.stringify(event)), {}, (error) => (error ? reject(error) : resolve())));
      }
    })();
    let tokens = 0;
    async function* source(): AsyncGenerator<string> {
      const start = wallNow();
      for (let i = 0; i < perStream * seconds; i++) {
        await sleep(Math.max(0, start + (i * 1000) / perStream - wallNow()));
        tokens++;
        yield ` token${i}`;
      }
    }
    const cpu = new CpuMeter(ownCpuSeconds);
    const startedAt = wallNow();
    const outcomes = await Promise.all(
      Array.from({ length: streams }, (_, i) => {
        const session = new AgentRunSession({ requestId: `kit-${process.pid}-${i}`, userQuery: 'bench', context: {}, owner: 'bench' }, sink);
        return session.execute({ run: (run) => run.agent('writer-agent').stream(1, source()) });
      }),
    );
    const elapsedS = (wallNow() - startedAt) / 1000;
    const failed = outcomes.filter((o) => o !== 'completed').length;
    if (failed > 0) throw new Error(`${failed} of ${streams} kit streams did not complete`);
    await channel.deleteExchange(EXCHANGE);
    return { streams, tokensPerSecond: tokens / elapsedS, eventsPerSecond: events / elapsedS, cpuPercent: cpu.percent() };
  } finally {
    await connection.close().catch(() => undefined);
  }
}
