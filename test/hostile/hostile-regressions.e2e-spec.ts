import { connect } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DEAD_LETTER_REASON_HEADER, jsonByteLength, MAX_PAYLOAD_DEPTH } from '@app/contracts';
import { adminToken, eventually } from '../support/admin-http';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import type { StreamClient } from '../support/stream-client';
import { deepJson, deepObject, sendRawEvent } from './raw-packets';

/**
 * The eight findings of the hostile-input run (issue 15), one regression
 * test each, against the real gateway, broker and database.
 */
describe('hostile input: the findings of the seeded run stay fixed', () => {
  let app: INestApplication;
  let url: string;
  let client: StreamClient;
  let broker: TestBroker;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    ({ app, url } = await startGateway({ RATE_LIMIT_PER_SECOND: '1000' }));
    client = await connectAs(url, newUser());
    broker = await TestBroker.connect();
    await broker.drainDeadLetters();
  });
  afterAll(async () => {
    client?.close();
    await broker?.close();
    await closeAll(app);
  });

  const tooDeep = `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`;
  const commands: Array<[string, string]> = [
    ['start', '"userQuery":"q","context":'],
    ['cancel', '"n":'],
    ['feedback', '"questionId":"q","answer":"a","n":'],
    ['rejoin', '"n":'],
    ['leave', '"n":'],
  ];

  describe('finding 1: deep nesting is VALIDATION_FAILED at any depth, never INTERNAL', () => {
    it.each(commands.flatMap(([command, prefix]) => [3_000, 10_000, 200_000].map((depth) => [command, depth, prefix] as const)))(
      '%s with a value nested %i levels',
      async (command, depth, prefix) => {
        const field = prefix.slice(prefix.lastIndexOf(',') + 1).replace(/[":]/g, '') || 'n';
        const reply = await sendRawEvent(client.socket, 1000 + depth, `["${command}",{"requestId":"${newRequestId()}",${prefix}${deepJson(depth)}}]`);
        expect(reply).toEqual([{ ok: false, error: { code: 'VALIDATION_FAILED', message: `invalid payload: ${field}`, details: [{ field, reasons: [`${field} ${tooDeep}`] }] } }]);
        expect(client.socket.connected).toBe(true);
      },
    );

    it('a deep value sent by socket.io-client itself gets the same answer', async () => {
      const reply = await client.ack('leave', { requestId: 'x', n: deepObject(3_000) });
      expect(reply.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'n' }] });
    });
  });

  describe('finding 2: unknown fields named after Object.prototype members are refused', () => {
    it.each(['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineSetter__', '__lookupGetter__'])(
      'leave with %s',
      async (key) => {
        const payload = JSON.parse(`{"requestId":"x","${key}":{"roles":["admin"]}}`);
        expect(Object.keys(payload)).toContain(key);
        const reply = await client.ack('leave', payload);
        expect(reply).toEqual({ ok: false, error: { code: 'VALIDATION_FAILED', message: `invalid payload: ${key}`, details: [{ field: key, reasons: [`property ${key} should not exist`] }] } });
      },
    );
  });

  describe('finding 3: start accepts any JSON context within its size limit', () => {
    it('with constructor, __proto__ and prototype keys at several depths', async () => {
      const context = JSON.parse('{"constructor":{"constructor":{"prototype":{"__proto__":{"toString":1}}}},"list":[{"constructor":null}],"valueOf":"v"}');
      const requestId = newRequestId();
      expect(await client.ack('start', { requestId, userQuery: 'q', context })).toEqual({ ok: true, requestId, status: 'queued' });
    });

    it(`with a context nested ${MAX_PAYLOAD_DEPTH - 2} levels`, async () => {
      const requestId = newRequestId();
      expect(await client.ack('start', { requestId, userQuery: 'q', context: deepObject(MAX_PAYLOAD_DEPTH - 2) })).toEqual({ ok: true, requestId, status: 'queued' });
    });
  });

  describe('finding 4: strings that reach SQL get a contract answer, never INTERNAL', () => {
    it('a NUL in feedback.questionId on an existing request is VALIDATION_FAILED', async () => {
      const requestId = newRequestId();
      await client.ack('start', { requestId, userQuery: 'q' });
      const reply = await client.ack('feedback', { requestId, questionId: 'q\u0000', answer: 'yes' });
      expect(reply.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'questionId' }] });
    });

    it.each([
      ['a lone surrogate in questionId', { questionId: 'q\ud800', answer: 'a' }, 'NOT_FOUND'],
      ['NUL and a lone surrogate in answer', { questionId: 'never-asked', answer: 'a\u0000\udfff' }, 'NOT_FOUND'],
    ])('%s', async (_case, fields, code) => {
      const requestId = newRequestId();
      await client.ack('start', { requestId, userQuery: 'q' });
      expect((await client.ack('feedback', { requestId, ...fields })).error.code).toBe(code);
    });
  });

  describe('finding 5: a binary packet never closes the connection without an ack', () => {
    it('a 10,000-deep value with an attachment gets VALIDATION_FAILED and the socket stays', async () => {
      const reply = await sendRawEvent(client.socket, 77, `["leave",{"requestId":"x","n":${deepJson(10_000, '{"_placeholder":true,"num":0}')}}]`, [Buffer.from('ab')]);
      expect(reply).toEqual([expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'VALIDATION_FAILED', details: [{ field: 'n', reasons: [`n ${tooDeep}`] }] }) })]);
      expect(client.socket.connected).toBe(true);
      expect(await client.ack('leave', { requestId: 'x' })).toEqual({ ok: true });
    });

    it('a shallow binary attachment is VALIDATION_FAILED (commands are JSON)', async () => {
      const reply = await sendRawEvent(client.socket, 78, '["leave",{"requestId":"x","file":{"_placeholder":true,"num":0}}]', [Buffer.from('ab')]);
      expect(reply).toEqual([{ ok: false, error: { code: 'VALIDATION_FAILED', message: 'invalid payload: file', details: [{ field: 'file', reasons: ['file must be JSON data, not binary'] }] } }]);
    });
  });

  describe('finding 6: MAX_EVENT_BYTES, and a state that always fits a socket', () => {
    const MAX_EVENT_BYTES = 256 * 1024;
    const progress = (requestId: string, agent: string, padBytes: number) => ({
      type: 'executor.step.progress',
      requestId,
      agent,
      data: { status: 'running', pad: 'x'.repeat(padBytes) },
    });

    it('an event body over MAX_EVENT_BYTES is dead-lettered once and never recorded; the watcher stays', async () => {
      const requestId = newRequestId();
      await client.ack('start', { requestId, userQuery: 'q' });
      const body = progress(requestId, 'big', MAX_EVENT_BYTES);
      await broker.publishAgentEvent('executor.step.progress', body);
      await broker.publishAgentEvent('executor.step.progress', progress(requestId, 'small', 10));
      const next = await client.waitFor('progress', (m) => m.requestId === requestId);
      expect(next).toMatchObject({ seq: 2, agent: 'small' });
      const dead = await eventually(() => broker.drainDeadLetters(), (taken) => taken.length > 0, 3000);
      expect(dead).toHaveLength(1);
      expect(String(dead[0].properties.headers?.[DEAD_LETTER_REASON_HEADER])).toMatch(/more than MAX_EVENT_BYTES \(262144\)/);
      expect(client.socket.connected).toBe(true);
    });

    it('a rejoin of a request whose history is many times what a socket may have queued gets its bounded state and its ack', async () => {
      const requestId = newRequestId();
      await client.ack('start', { requestId, userQuery: 'q' });
      // Twenty agents, each with data just under the event limit: 5 MB of snapshot and of replay.
      // One at a time: a burst of them would (rightly) get the starter dropped as a slow client.
      for (let i = 0; i < 20; i++) {
        await broker.publishAgentEvent('executor.step.progress', progress(requestId, `agent-${i}`, MAX_EVENT_BYTES - 1024));
        await client.waitFor('progress', (m) => m.requestId === requestId && m.seq === i + 2);
      }

      const watcher = await connectAs(url, newUser(), {});
      const admin = await connectAs(url, 'ops', { roles: ['admin'] });
      try {
        const reply = await admin.ack('rejoin', { requestId, lastSeq: 0 });
        expect(reply).toEqual({ ok: true, seq: 21 });
        const [state] = admin.states(requestId);
        expect(jsonByteLength(state)).toBeLessThanOrEqual(4 * 1024 * 1024);
        expect(state.truncated).toBe(true);
        expect(state.omitted?.length).toBeGreaterThan(0);
        expect(state.agents).toHaveLength(20);
        expect(state.events?.[state.events.length - 1]?.seq ?? state.seq).toBe(21);
        expect(admin.socket.connected).toBe(true);
        expect(client.socket.connected).toBe(true);
      } finally {
        watcher.close();
        admin.close();
      }
    });
  });

  describe('finding 7: invalid UTF-8 in an agent event body is dead-lettered, never recorded', () => {
    it.each([
      ['a lone continuation byte', Buffer.from([0x80])],
      ['an encoded surrogate', Buffer.from([0xed, 0xa0, 0x80])],
      ['an overlong encoding of "/"', Buffer.from([0xc0, 0xaf])],
    ])('%s inside a string value', async (_case, bad) => {
      const requestId = newRequestId();
      await client.ack('start', { requestId, userQuery: 'q' });
      const json = JSON.stringify({ type: 'executor.step.progress', requestId, agent: 'a', data: { status: 'running', note: '@@' } });
      const [before, after] = json.split('@@');
      await broker.publishAgentEvent('executor.step.progress', Buffer.concat([Buffer.from(before), bad, Buffer.from(after)]));
      const dead = await eventually(() => broker.drainDeadLetters(), (taken) => taken.length > 0, 3000);
      expect(dead.map((m) => String(m.properties.headers?.[DEAD_LETTER_REASON_HEADER]))).toEqual(['body is not valid UTF-8']);
      await sleep(200);
      expect(client.seqs(requestId)).toEqual([1]);
    });
  });

  describe('finding 8: every HTTP error body is { code, message, details? }', () => {
    const call = async (path: string, init: RequestInit & { token?: string | null } = {}) => {
      const token = init.token === undefined ? adminToken() : init.token;
      const headers = new Headers(init.headers);
      if (token !== null) headers.set('authorization', `Bearer ${token}`);
      const response = await fetch(`${url}${path}`, { ...init, headers });
      const text = await response.text();
      return { status: response.status, type: response.headers.get('content-type') ?? '', text, body: (() => { try { return JSON.parse(text); } catch { return text; } })() };
    };
    const expectContractBody = (reply: { body: any; text: string }, code: string) => {
      expect(reply.body).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
      expect(Object.keys(reply.body).sort()).toEqual(expect.arrayContaining(['code', 'message']));
      expect(Object.keys(reply.body).filter((k) => !['code', 'message', 'details'].includes(k))).toEqual([]);
      expect(reply.text).not.toMatch(/\n\s+at /);
    };

    it.each([
      ['GET', '/admin/nothing-here'],
      ['GET', '/admin/requests/x/nothing'],
      ['DELETE', '/admin/requests/x'],
      ['PUT', '/admin/requests'],
      ['GET', '/admin/requests/x/cancel'],
      ['GET', '/no/such/path'],
    ])('%s %s: 404 NOT_FOUND', async (method, path) => {
      const reply = await call(path, { method });
      expect(reply.status).toBe(404);
      expectContractBody(reply, 'NOT_FOUND');
    });

    it('an undecodable :id: 400 naming the field', async () => {
      const reply = await call('/admin/requests/%ED%A0%80');
      expect(reply.status).toBe(400);
      expectContractBody(reply, 'VALIDATION_FAILED');
      expect(reply.body.details).toEqual([{ field: 'id', reasons: [expect.stringMatching(/percent-encoded UTF-8/)] }]);
      expect((await call('/admin/requests/%ED%A0%80/events')).body.details).toEqual([{ field: 'id', reasons: [expect.any(String)] }]);
    });

    it.each([
      ['malformed JSON', '{"a":', 'application/json'],
      ['a null JSON body', 'null', 'application/json'],
    ])('%s: 400 VALIDATION_FAILED', async (_case, body, type) => {
      const reply = await call(`/admin/requests/${newRequestId()}/cancel`, { method: 'POST', body, headers: { 'content-type': type } });
      expect(reply.status).toBe(400);
      expectContractBody(reply, 'VALIDATION_FAILED');
    });

    it('a body too large: 413', async () => {
      const reply = await call(`/admin/requests/${newRequestId()}/cancel`, { method: 'POST', body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } });
      expect(reply.status).toBe(413);
      expectContractBody(reply, 'VALIDATION_FAILED');
    });

    it('an unsupported charset or encoding: 415', async () => {
      const charset = await call(`/admin/requests/${newRequestId()}/cancel`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json; charset=ebcdic' } });
      expect(charset.status).toBe(415);
      expectContractBody(charset, 'VALIDATION_FAILED');
      const encoding = await call(`/admin/requests/${newRequestId()}/cancel`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'content-encoding': 'zstd-nope' } });
      expect(encoding.status).toBe(415);
      expectContractBody(encoding, 'VALIDATION_FAILED');
    });

    it("requests Node's parser refuses: 431 and 400 with the contract shape", async () => {
      const long = await call(`/admin/requests?owner=${'x'.repeat(20_000)}`);
      expect(long.status).toBe(431);
      expectContractBody(long, 'VALIDATION_FAILED');
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(new URL(url).port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('utf8')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({ code: 'VALIDATION_FAILED', message: 'malformed HTTP request' });
    });

    it('without a token and with a bad query, still the contract shape', async () => {
      expectContractBody(await call('/admin/requests', { token: null }), 'FORBIDDEN');
      expectContractBody(await call('/admin/requests?limit=zero'), 'VALIDATION_FAILED');
      expectContractBody(await call('/admin/requests?__proto__=1'), 'VALIDATION_FAILED');
    });
  });
});
