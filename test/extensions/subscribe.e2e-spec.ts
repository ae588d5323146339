/**
 * @Subscribe on the real broker: a validated body, ack on return, an unusable
 * body dead-lettered once with its reason, a throw retried then dead-lettered,
 * ordered handling in queue order.
 */
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsInt, IsString, Min } from 'class-validator';
import type { GetMessage } from 'amqplib';
import { DEAD_LETTER_REASON_HEADER } from '@app/contracts';
import { AppConfigModule } from '@app/config';
import { FAILED_ATTEMPTS_HEADER, MessagingModule, Subscribe, type DeliveryContext } from '@app/messaging';
import { TestBroker } from '../support/broker';

const EXCHANGE = 'test.billing';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class InvoicePaid {
  @IsString() invoiceId!: string;
  @IsInt() @Min(1) cents!: number;
}

const paid: Array<{ invoice: InvoicePaid; attempt: number; at: number }> = [];
const ordered: number[] = [];

@Injectable()
class Billing {
  @Subscribe({ exchange: EXCHANGE, routingKey: 'invoice.paid', queue: 'test.billing.paid', body: InvoicePaid, retry: { attempts: 3, initialDelayMs: 200, factor: 2 } })
  onPaid(invoice: InvoicePaid, context: DeliveryContext): void {
    paid.push({ invoice, attempt: context.attempt, at: Date.now() });
    if (invoice.invoiceId.startsWith('poison')) throw new Error(`ledger refused ${invoice.invoiceId}`);
  }

  /** Fails the first attempt at 2: in process, so 3 and 4 wait behind it. */
  @Subscribe({ exchange: EXCHANGE, routingKey: 'ledger.entry', queue: 'test.billing.ledger', ordered: true, retry: { initialDelayMs: 100 } })
  async onEntry(entry: { n: number }, context: DeliveryContext): Promise<void> {
    if (entry.n === 2 && context.attempt === 1) throw new Error('not yet');
    ordered.push(entry.n);
  }
}
@Module({ providers: [Billing] })
class BillingModule {}

describe('@Subscribe', () => {
  let app: INestApplicationContext;
  let broker: TestBroker;

  beforeAll(async () => {
    broker = await TestBroker.connect();
    app = await NestFactory.createApplicationContext({ module: BillingModule, imports: [AppConfigModule, MessagingModule] }, { logger: ['error'] });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await broker?.close();
  });

  async function publish(routingKey: string, body: unknown): Promise<void> {
    broker.channel.publish(EXCHANGE, routingKey, Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body)), { persistent: true });
    await (broker.channel as unknown as { waitForConfirms(): Promise<void> }).waitForConfirms();
  }

  async function takeDead(queue: string, count: number, timeoutMs = 5000): Promise<GetMessage[]> {
    const taken: GetMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    while (taken.length < count && Date.now() < deadline) {
      const message = await broker.channel.get(`${queue}.dead`, { noAck: true });
      if (message) taken.push(message);
      else await sleep(50);
    }
    return taken;
  }

  it('hands a valid body to the handler as a DTO; unusable ones are dead-lettered once with the reason, never handled', async () => {
    await publish('invoice.paid', Buffer.from('{not json'));
    await publish('invoice.paid', { invoiceId: 'inv-bad', cents: 0 });
    await publish('invoice.paid', { invoiceId: 'inv-1', cents: 250, extra: 'dropped' });
    const dead = await takeDead('test.billing.paid', 2);
    expect(dead.map((m) => m.properties.headers?.[DEAD_LETTER_REASON_HEADER])).toEqual(['body is not valid UTF-8 JSON', 'invalid body: cents must not be less than 1']);
    expect(dead[0].content.toString()).toBe('{not json'); // the original bytes
    expect(dead[1].properties.headers?.['x-original-routing-key']).toBe('invoice.paid');
    await sleep(500);
    expect(await takeDead('test.billing.paid', 1, 0)).toEqual([]); // once
    expect(paid.map((p) => p.invoice)).toEqual([{ invoiceId: 'inv-1', cents: 250 }]);
    expect(paid[0].invoice).toBeInstanceOf(InvoicePaid);
    expect((await broker.channel.checkQueue('test.billing.paid')).messageCount).toBe(0); // acked
  });

  it('a throw is retried with backoff, then dead-lettered with the last error; the queue goes on meanwhile', async () => {
    paid.length = 0;
    await publish('invoice.paid', { invoiceId: 'poison-1', cents: 1 });
    await publish('invoice.paid', { invoiceId: 'inv-2', cents: 2 });
    const [dead] = await takeDead('test.billing.paid', 1);
    expect(dead.properties.headers?.[DEAD_LETTER_REASON_HEADER]).toBe('handler failed 3 time(s), last: ledger refused poison-1');
    expect(dead.properties.headers?.[FAILED_ATTEMPTS_HEADER]).toBe(3);
    const poison = paid.filter((p) => p.invoice.invoiceId === 'poison-1');
    expect(poison.map((p) => p.attempt)).toEqual([1, 2, 3]);
    expect(poison[1].at - poison[0].at).toBeGreaterThanOrEqual(150);
    expect(poison[2].at - poison[1].at).toBeGreaterThanOrEqual(350);
    // The good invoice behind it did not wait for the retries.
    const good = paid.find((p) => p.invoice.invoiceId === 'inv-2');
    expect(good && good.at).toBeLessThan(poison[1].at);
  });

  it('ordered: a failure is retried in place, nothing overtakes it', async () => {
    for (const n of [1, 2, 3, 4]) await publish('ledger.entry', { n });
    const deadline = Date.now() + 5000;
    while (ordered.length < 4 && Date.now() < deadline) await sleep(25);
    expect(ordered).toEqual([1, 2, 3, 4]);
  });
});
