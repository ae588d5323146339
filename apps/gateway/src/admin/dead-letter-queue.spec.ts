import type { GetMessage } from 'amqplib';
import { deadLetterId, describeDeadLetter, originalRoutingKey } from './dead-letter-queue';

function message(content: Buffer | string, headers: Record<string, unknown> = {}, redelivered = false): GetMessage {
  return {
    content: Buffer.isBuffer(content) ? content : Buffer.from(content),
    fields: { deliveryTag: 1, redelivered, exchange: 'websocket.progress.dlx', routingKey: 'websocket.progress.dead', messageCount: 0 },
    properties: { headers, contentType: 'application/json' },
  } as unknown as GetMessage;
}

describe('a dead letter as the console shows it', () => {
  it('from the gateway: its reason, original routing key and time headers, and the body fields', () => {
    const body = JSON.stringify({ type: 'executor.step.progress', requestId: 'req-1', agent: 'a', data: {} });
    const view = describeDeadLetter(
      message(body, { 'x-dead-letter-reason': "unknown request 'req-1'", 'x-original-routing-key': 'executor.step.progress', 'x-dead-lettered-at': '2026-12-06T10:00:00.000Z' }),
    );
    expect(view).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{32}$/),
      reason: "unknown request 'req-1'",
      routingKey: 'executor.step.progress',
      deadLetteredAt: '2026-12-06T10:00:00.000Z',
      requestId: 'req-1',
      type: 'executor.step.progress',
      bytes: Buffer.byteLength(body),
      preview: body,
      previewTruncated: false,
    });
  });

  it("from the broker's own dead-lettering: reason, routing key and time from x-death", () => {
    const dead = message('not json', { 'x-death': [{ reason: 'rejected', queue: 'websocket.progress', time: { '!': 'timestamp', value: 1796558400 }, 'routing-keys': ['agent.completed'] }] });
    expect(describeDeadLetter(dead)).toMatchObject({ reason: 'rejected', routingKey: 'agent.completed', deadLetteredAt: '2026-12-06T12:00:00.000Z', preview: 'not json' });
    expect(describeDeadLetter(dead)).not.toHaveProperty('requestId');
    expect(originalRoutingKey(dead)).toBe('agent.completed');
  });

  it('without any header: nulls, and a preview cut at 2 KiB', () => {
    const view = describeDeadLetter(message(Buffer.alloc(5000, 'x')));
    expect(view).toMatchObject({ reason: null, routingKey: null, deadLetteredAt: null, bytes: 5000, previewTruncated: true });
    expect(view.preview).toHaveLength(2048);
  });

  it('the id is the same on every read (redelivered or not) and differs with the body or the headers', () => {
    const headers = { 'x-dead-letter-reason': 'bad' };
    expect(deadLetterId(message('a', headers, true))).toBe(deadLetterId(message('a', headers, false)));
    expect(deadLetterId(message('b', headers))).not.toBe(deadLetterId(message('a', headers)));
    expect(deadLetterId(message('a', { 'x-dead-letter-reason': 'other' }))).not.toBe(deadLetterId(message('a', headers)));
  });
});
