import type { INestApplication } from '@nestjs/common';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import type { StreamClient } from '../support/stream-client';

describe('malformed commands get VALIDATION_FAILED with details, and the socket keeps working', () => {
  let app: INestApplication;
  let url: string;
  let client: StreamClient;

  beforeAll(async () => {
    ({ app, url } = await startGateway());
    client = await connectAs(url, newUser());
  });
  afterAll(async () => {
    client?.close();
    await closeAll(app);
  });

  const id = newRequestId();
  const cases: Array<[string, string, unknown, string]> = [
    ['start', 'a payload that is not an object', 'hello', '(payload)'],
    ['start', 'an array payload', [1, 2], '(payload)'],
    ['start', 'a missing requestId', { userQuery: 'q' }, 'requestId'],
    ['start', 'a requestId of the wrong form', { requestId: '-bad id', userQuery: 'q' }, 'requestId'],
    ['start', 'a requestId too long', { requestId: 'a'.repeat(129), userQuery: 'q' }, 'requestId'],
    ['start', 'a requestId of the wrong type', { requestId: 42, userQuery: 'q' }, 'requestId'],
    ['start', 'an empty userQuery', { requestId: id, userQuery: '' }, 'userQuery'],
    ['start', 'a userQuery over 10,000 chars', { requestId: id, userQuery: 'x'.repeat(10_001) }, 'userQuery'],
    ['start', 'a context that is not an object', { requestId: id, userQuery: 'q', context: 'ctx' }, 'context'],
    ['start', 'a context over 64 KiB', { requestId: id, userQuery: 'q', context: { blob: 'x'.repeat(65 * 1024) } }, 'context'],
    ['start', 'an unknown field', { requestId: id, userQuery: 'q', extra: true }, 'extra'],
    ['start', 'a type other than the event name', { type: 'cancel', requestId: id, userQuery: 'q' }, 'type'],
    ['cancel', 'a missing requestId', {}, 'requestId'],
    ['cancel', 'an unknown field', { requestId: id, force: true }, 'force'],
    ['feedback', 'a missing questionId', { requestId: id, answer: 'yes' }, 'questionId'],
    ['feedback', 'an answer that is not a string', { requestId: id, questionId: 'q1', answer: 5 }, 'answer'],
    ['feedback', 'an answer over 10,000 chars', { requestId: id, questionId: 'q1', answer: 'y'.repeat(10_001) }, 'answer'],
    ['rejoin', 'a negative lastSeq', { requestId: id, lastSeq: -1 }, 'lastSeq'],
    ['rejoin', 'a fractional lastSeq', { requestId: id, lastSeq: 1.5 }, 'lastSeq'],
    ['rejoin', 'a string lastSeq', { requestId: id, lastSeq: '3' }, 'lastSeq'],
    ['leave', 'a type other than the event name', { type: 'start', requestId: id }, 'type'],
  ];

  it.each(cases)('%s with %s', async (event, _label, payload, field) => {
    const reply = await client.ack(event, payload);
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(reply.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field, reasons: expect.any(Array) })]));
    expect(client.socket.connected).toBe(true);
  });

  it('accepts the guide’s `type` field when it equals the event name, after all those failures', async () => {
    const requestId = newRequestId();
    const reply = await client.ack('start', { type: 'start', requestId, userQuery: 'still works' });
    expect(reply).toEqual({ ok: true, requestId, status: 'queued' });
  });

  it('reads a frame near 1 MiB and answers it with VALIDATION_FAILED', async () => {
    const reply = await client.ack('start', { requestId: id, userQuery: 'q', context: { blob: 'x'.repeat(1000 * 1024) } });
    expect(reply.error.code).toBe('VALIDATION_FAILED');
    expect(client.socket.connected).toBe(true);
  });

  it('carries out a command sent without a callback', async () => {
    const requestId = newRequestId();
    client.socket.emit('start', { requestId, userQuery: 'no ack wanted' });
    const status = await client.waitFor('status', (m) => m.requestId === requestId);
    expect(status).toMatchObject({ requestId, seq: 1, status: 'queued' });
  });

  it('answers RATE_LIMITED past the per-socket limit, and only for that socket', async () => {
    const flooder = await connectAs(url, newUser());
    const replies = await Promise.all(Array.from({ length: 80 }, () => flooder.ack('leave', { requestId: id })));
    const limited = replies.filter((r) => r.ok === false && r.error.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.ok === true).length).toBeGreaterThanOrEqual(20);
    expect(await client.ack('leave', { requestId: id })).toEqual({ ok: true });
    flooder.close();
  });
});
