import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import { loadConfig } from '@app/config';
import { DEAD_LETTER_REASON_HEADER, MAX_PAYLOAD_DEPTH } from '@app/contracts';
import { adminToken, eventually } from '../support/admin-http';
import { TestBroker } from '../support/broker';
import { closeAll, connectAs, newRequestId, newUser, startGateway } from '../support/gateway-harness';
import { expectGapFree, type StreamClient } from '../support/stream-client';
import { mintToken } from '../support/tokens';
import { ackProblem, codeForStatus, errorBodyProblem } from './contract-checks';
import { badQueryRequestIds, badTokens, commandCases, PROTOTYPE_NAMES, weirdString, type CommandCase } from './fuzz-cases';
import { deepJson, sendRawEvent } from './raw-packets';

/**
 * Seeded fuzzing of every way in (issue 15): ≥ 1,000 generated payloads per
 * socket command, bad tokens and query values at the handshake, hostile
 * broker bodies and hostile admin requests. Every answer is checked against
 * docs/protocol.md §1–§3: never INTERNAL, never a missing ack, never a dropped
 * socket for a bad command, never a 5xx or a stack trace; a control watcher
 * keeps getting its stream, gap-free; the heap stays bounded.
 * `FUZZ_SEED=<n>` replays a run; `FUZZ_RUNS` changes the count per command.
 */
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const RUNS_PER_COMMAND = Number(process.env.FUZZ_RUNS ?? 1000);
const COMMANDS = ['start', 'cancel', 'feedback', 'rejoin', 'leave'];
const ACK_TIMEOUT_MS = 20_000;
const IN_FLIGHT = 16;
const MAX_EVENT_BYTES = 256 * 1024;
/** About 10 s each on a quiet machine; a shared, loaded one may take many times that. */
const SLOW_TEST_MS = 240_000;

const sample = <T>(arbitrary: fc.Arbitrary<T>, numRuns: number, offset: number): T[] => fc.sample(arbitrary, { seed: SEED + offset, numRuns });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Attack class → tried, and answers seen (code or status): printed at the end for RELIABILITY.md. */
const tally = new Map<string, { tried: number; answers: Map<string, number> }>();
function count(attack: string, answer: string): void {
  const row = tally.get(attack) ?? { tried: 0, answers: new Map() };
  row.tried++;
  row.answers.set(answer, (row.answers.get(answer) ?? 0) + 1);
  tally.set(attack, row);
}

function describeValue(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 160 ? `${text.slice(0, 160)}… (${text.length} chars)` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

async function eachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index], index);
    }
  }));
}

/** V8's gc, without starting jest with --expose-gc. */
function heapAfterGc(): number {
  setFlagsFromString('--expose_gc');
  (runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

describe(`fuzz (seed ${SEED}): hostile input never breaks the contract`, () => {
  let app: INestApplication;
  let url: string;
  let broker: TestBroker;
  let control: StreamClient;
  const controlRequest = newRequestId('control');
  let controlPublished = 0;
  let controlTimer: NodeJS.Timeout | undefined;
  let heapBefore = 0;

  const controlProgress = (data: Record<string, unknown> = {}) => ({
    type: 'executor.step.progress',
    requestId: controlRequest,
    agent: 'control-agent',
    data: { status: 'running', stepOrder: 1, ...data },
  });

  beforeAll(async () => {
    process.stdout.write(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED} npx jest --selectProjects e2e --runInBand --testPathPatterns test/hostile/fuzz)\n`);
    ({ app, url } = await startGateway({ RATE_LIMIT_PER_SECOND: '10000' }));
    broker = await TestBroker.connect();
    await broker.drainDeadLetters();
    control = await connectAs(url, newUser('control'));
    expect(await control.ack('start', { requestId: controlRequest, userQuery: 'the control watcher' })).toMatchObject({ ok: true });
    // The control watcher's stream keeps flowing while everything else is thrown at the gateway.
    controlTimer = setInterval(() => {
      controlPublished++;
      void broker.publishAgentEvent('executor.step.progress', controlProgress({ tick: controlPublished }));
    }, 100);
    heapBefore = heapAfterGc();
  }, SLOW_TEST_MS);

  afterAll(async () => {
    clearInterval(controlTimer);
    const rows = [...tally].map(([attack, { tried, answers }]) => `| ${attack} | ${tried} | ${[...answers].sort((a, b) => b[1] - a[1]).map(([a, n]) => `${a} ${n}`).join(', ')} |`);
    process.stdout.write(`fuzz seed ${SEED}: attack classes\n| attack | tried | answers seen |\n| --- | --- | --- |\n${rows.join('\n')}\n`);
    control?.close();
    await broker?.close();
    await closeAll(app);
  });

  it('handshake: every bad token is refused with connect_error "unauthorized", nothing else', async () => {
    const tokens = sample(badTokens(loadConfig().jwtSecret), 60, 1);
    const problems: string[] = [];
    await eachLimited(tokens, 8, async (token) => {
      const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
      const outcome = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(error.message));
      });
      socket.close();
      count('handshake: bad token', outcome);
      if (outcome !== 'unauthorized') problems.push(`${describeValue(token)} → ${outcome}`);
    });
    expect(problems).toEqual([]);
  }, SLOW_TEST_MS);

  it('handshake: a query requestId that is not an id gets an error message without seq, and the connection stays', async () => {
    const problems: string[] = [];
    await eachLimited(sample(badQueryRequestIds, 40, 2), 8, async (requestId) => {
      const client = await connectAs(url, newUser(), { requestId });
      const refusal = await client.waitFor('error', () => true, 10_000).catch(() => null);
      count('handshake: bad query requestId', refusal?.code ?? 'no error message');
      if (refusal?.code !== 'VALIDATION_FAILED' || 'seq' in refusal || !client.socket.connected) problems.push(`${describeValue(requestId)} → ${describeValue(refusal)}`);
      expect(await client.ack('leave', { requestId: 'still-here' })).toEqual({ ok: true });
      client.close();
    });
    expect(problems).toEqual([]);
  }, SLOW_TEST_MS);

  it.each(COMMANDS)(`socket command %s: ${RUNS_PER_COMMAND} generated payloads, each answered by the contract and none dropping the socket`, async (command) => {
    const cases = sample(commandCases(command), RUNS_PER_COMMAND, 10 + COMMANDS.indexOf(command));
    const client = await connectAs(url, newUser(`fuzz-${command}`));
    const problems: string[] = [];
    let rawAckId = 1_000_000_000;
    const send = async (c: CommandCase): Promise<unknown> => {
      switch (c.via) {
        case 'raw':
          return (await sendRawEvent(client.socket, rawAckId++, c.json!, c.attachments, ACK_TIMEOUT_MS))?.[0] ?? Promise.reject(new Error('no ack'));
        case 'extra-args':
          return client.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(command, c.payload, ...(c.extra ?? []));
        case 'no-ack':
          client.socket.emit(command, c.payload);
          return undefined;
        default:
          return client.socket.timeout(ACK_TIMEOUT_MS).emitWithAck(command, c.payload);
      }
    };
    await eachLimited(cases, IN_FLIGHT, async (c) => {
      const ack = await send(c).catch((error: Error) => ({ noAck: error.message }));
      const answer = ack === undefined ? 'sent without ack' : (ack as { noAck?: string }).noAck ? 'NO ACK' : (ack as { ok: boolean }).ok ? 'ok' : (ack as { error: { code: string } }).error?.code;
      count(`socket (each command): ${c.kind}`, answer);
      const problem = ack === undefined ? null : (ack as { noAck?: string }).noAck ? 'no ack' : ackProblem(command, c.expect, ack);
      if (problem) problems.push(`${c.kind} ${c.via} ${describeValue(c.payload ?? c.json)} → ${problem}: ${describeValue(ack)}`);
      if (!client.socket.connected) problems.push(`${c.kind} ${c.via} ${describeValue(c.payload ?? c.json)} dropped the socket`);
    });
    expect(problems.slice(0, 20)).toEqual([]);
    expect(client.socket.connected).toBe(true);
    expect(await client.ack('leave', { requestId: 'after-the-fuzz' })).toEqual({ ok: true });
    client.close();
  }, SLOW_TEST_MS);

  it('broker: every hostile body is dead-lettered exactly once, odd but valid ones are recorded, the stream goes on', async () => {
    const body = (value: unknown) => Buffer.from(JSON.stringify(value));
    const spliced = (bad: readonly number[]) => {
      const [before, after] = JSON.stringify(controlProgress({ note: '@@' })).split('@@');
      return Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]);
    };
    const unusable: fc.Arbitrary<[string, Buffer]> = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => ['random bytes', Buffer.from(bytes)] as [string, Buffer]),
      fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xff], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]).map((bad) => ['invalid UTF-8 in a string', spliced(bad)] as [string, Buffer]),
      fc.integer({ min: 1, max: 5000 }).map((extra) => ['over MAX_EVENT_BYTES', body(controlProgress({ pad: 'x'.repeat(MAX_EVENT_BYTES + extra) }))] as [string, Buffer]),
      fc.integer({ min: MAX_PAYLOAD_DEPTH, max: 100_000 }).map((depth) => {
        const text = JSON.stringify(controlProgress({ deep: 0 })).replace('"deep":0', `"deep":${deepJson(depth)}`);
        return ['nested too deep', Buffer.from(text)] as [string, Buffer];
      }),
      fc.jsonValue({ maxDepth: 2 }).filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => ['not an object', body(v)] as [string, Buffer]),
      fc.oneof(
        fc.record({ requestId: fc.oneof(fc.integer(), fc.constant(''), fc.constant('-x'), fc.constant(null)) }),
        fc.record({ agent: fc.oneof(fc.integer(), fc.constant(''), fc.constant('a\u0000'), fc.constant(null), fc.constant('x'.repeat(201))) }),
        fc.record({ type: weirdString.map((t) => `fz.${t}`).filter((t) => !t.endsWith('.progress')) }),
        fc.record({ data: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.integer())) }),
        fc.record({ eventId: fc.oneof(fc.integer(), fc.constant(''), fc.constant('e\u0000')) }),
      ).map((override) => ['a wrong envelope field', body({ ...controlProgress(), ...override })] as [string, Buffer]),
      fc.oneof(fc.constant('dancing'), weirdString, fc.integer()).map((status) => ['a wrong progress status', body(controlProgress({ status }))] as [string, Buffer]),
      fc.constantFrom(...PROTOTYPE_NAMES).map((key) => ['prototype key instead of requestId', Buffer.from(`{"type":"agent.completed","agent":"a","data":{},"${key}":"${controlRequest}"}`)] as [string, Buffer]),
      fc.constant(null).map(() => ['an unknown request', body({ ...controlProgress(), requestId: newRequestId('nobody') })] as [string, Buffer]),
    );
    const odd: fc.Arbitrary<[string, Buffer]> = fc.oneof(
      fc.dictionary(fc.oneof(weirdString, fc.constantFrom(...PROTOTYPE_NAMES)), fc.oneof(weirdString, fc.jsonValue({ maxDepth: 3 })), { maxKeys: 6 })
        .map((data) => ['odd but valid data', body(controlProgress({ extra: data }))] as [string, Buffer]),
      fc.constantFrom(...PROTOTYPE_NAMES).map((key) => ['a prototype-named top-level field', Buffer.from(JSON.stringify(controlProgress()).replace(/^\{/, `{"${key}":{"x":1},`))] as [string, Buffer]),
    );
    const dead = sample(unusable, 120, 20);
    const recorded = sample(odd, 30, 21);
    const seqBefore = Math.max(0, ...control.seqs(controlRequest));
    for (const [kind, content] of fc.sample(fc.shuffledSubarray([...dead, ...recorded], { minLength: dead.length + recorded.length }), { seed: SEED + 22, numRuns: 1 })[0]) {
      await broker.publishAgentEvent('executor.step.progress', content);
      count(`broker: ${kind}`, dead.some(([, d]) => d === content) ? 'sent to be dead-lettered' : 'sent to be recorded');
    }
    const letters = await eventually(async () => [...(await broker.drainDeadLetters())], (taken) => taken.length >= dead.length, 20_000);
    const more = [...letters];
    while (more.length < dead.length) {
      const next = await eventually(() => broker.drainDeadLetters(), (taken) => taken.length > 0, 5000);
      if (next.length === 0) break;
      more.push(...next);
    }
    await sleep(1000);
    more.push(...(await broker.drainDeadLetters()));
    for (const letter of more) {
      const reason = String(letter.properties.headers?.[DEAD_LETTER_REASON_HEADER]).split(';')[0].replace(/'[^']*'|\^.*\$/g, '…').replace(/\d+/g, 'n');
      count('broker: dead letters, by reason', reason.slice(0, 60));
    }
    expect(more.map((m) => m.content.toString('base64')).sort()).toEqual(dead.map(([, content]) => content.toString('base64')).sort());
    // The odd-but-valid ones are on the control watcher's stream (with the ticks that kept flowing).
    await eventually(async () => control.events(controlRequest).filter((m) => m.seq > seqBefore && !('tick' in ((m as { data?: object }).data ?? {}))).length, (n) => n >= recorded.length, 10_000);
    expect(control.events(controlRequest).filter((m) => m.seq > seqBefore && (m as { agent?: string }).agent === 'control-agent' && !('tick' in ((m as { data?: object }).data ?? {})))).toHaveLength(recorded.length);
  });

  it('admin API: hostile paths, queries and bodies get a contract error body or a page, never a 5xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom('requests', 'events', 'cancel', '%ED%A0%80', '%FF', '%', '%00', '..', '.', '%2F', '%2e%2e', 'a;b', '*', 'x'.repeat(3000)),
      weirdString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))),
      fc.constantFrom(controlRequest, newRequestId()),
    );
    const query = fc.array(fc.tuple(fc.constantFrom('status', 'owner', 'limit', 'cursor', 'afterSeq', '__proto__', 'constructor', 'x', 'limit[]'), fc.oneof(segment, fc.constantFrom('1', '0', '-1', '501', '1e3', 'queued', 'done', '9'.repeat(30)))), { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
    const path = fc.oneof(
      fc.array(segment, { minLength: 0, maxLength: 4 }).map((parts) => `/admin/requests/${parts.join('/')}`),
      fc.array(segment, { maxLength: 3 }).map((parts) => `/admin/${parts.join('/')}`),
      fc.constantFrom('/admin', '/admin/', '/admin/requests', '/health/%ff', '/docs-json/x', '/metrics/x', '/socket.io/x', `/admin/requests/${'x'.repeat(20_000)}`),
    );
    const bodyAndType = fc.oneof(
      fc.constant([undefined, undefined]),
      fc.jsonValue({ maxDepth: 3 }).map((v) => [JSON.stringify(v), 'application/json']),
      fc.constantFrom('null', '{"a":', '[', '"x"', '{"__proto__":{"isAdmin":true}}', '{"constructor":{"prototype":{}}}').map((b) => [b, 'application/json']),
      fc.constantFrom('application/json; charset=ebcdic', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml').map((t) => ['{"a":1}', t]),
      fc.constant(null).map(() => [JSON.stringify({ pad: 'x'.repeat(300_000) }), 'application/json']),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => [Buffer.from(bytes).toString('latin1'), 'application/json']),
      fc.integer({ min: 1, max: 3 }).map((depth) => [deepJson(depth * 20_000), 'application/json']),
    );
    const auth = fc.constantFrom('admin', 'admin', 'admin', 'none', 'garbage', 'user');
    const requests = sample(fc.record({ method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH'), path, query, body: bodyAndType, auth }), 500, 30);
    const tokens: Record<string, string | null> = { admin: adminToken(), none: null, garbage: 'Bearer x.y.z', user: `Bearer ${mintToken('someone')}` };
    const problems: string[] = [];
    await eachLimited(requests, 8, async ({ method, path: p, query: q, body: [body, type], auth: who }) => {
      const headers: Record<string, string> = {};
      if (who === 'admin') headers.authorization = `Bearer ${tokens.admin}`;
      else if (tokens[who]) headers.authorization = tokens[who]!;
      if (type) headers['content-type'] = type;
      const sent = method === 'GET' ? undefined : body;
      let status = 0;
      let text = '';
      let contentType = '';
      try {
        const response = await fetch(`${url}${p}${q}`, { method, headers, body: sent });
        [status, text, contentType] = [response.status, await response.text(), response.headers.get('content-type') ?? ''];
      } catch (error) {
        problems.push(`${method} ${p}${q}: the request failed (${(error as Error).message})`);
        return;
      }
      count(`admin: ${method} ${p.startsWith('/admin/requests') ? '/admin/requests…' : p.startsWith('/admin') ? '/admin/…' : 'other paths'}`, String(status));
      const where = `${method} ${p.slice(0, 80)}${q.slice(0, 60)} ${type ?? ''} (${who})`;
      if (status >= 500) problems.push(`${where} → ${status} ${text.slice(0, 200)}`);
      if (status >= 400) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          problems.push(`${where} → ${status} with a body that is not JSON: ${text.slice(0, 100)}`);
          return;
        }
        // The Socket.IO transport answers with Engine.IO's own error body ({ code: <number>, message }), which its clients read.
        if (p.startsWith('/socket.io/')) {
          if (typeof (parsed as { message?: unknown }).message !== 'string') problems.push(`${where} → ${status} without a message: ${text.slice(0, 200)}`);
          return;
        }
        const problem = errorBodyProblem(parsed);
        if (problem || !contentType.includes('application/json')) problems.push(`${where} → ${status} ${problem ?? contentType}: ${text.slice(0, 200)}`);
        else if ((parsed as { code: string }).code !== codeForStatus(status)) problems.push(`${where} → ${status} with code ${(parsed as { code: string }).code}`);
      }
    });
    expect(problems.slice(0, 20)).toEqual([]);
  }, SLOW_TEST_MS);

  it('the control watcher was never disturbed: connected, every seq once and in order', async () => {
    clearInterval(controlTimer);
    const { body } = await eventually(
      () => fetch(`${url}/admin/requests/${controlRequest}`, { headers: { authorization: `Bearer ${adminToken()}` } }).then(async (r) => ({ body: (await r.json()) as { seq: number } })),
      ({ body: state }) => control.seqs(controlRequest).length >= state.seq,
      10_000,
    );
    expect(control.socket.connected).toBe(true);
    // A tick already in flight when the timer stopped may be recorded after the state was read: the
    // watcher must have every seq up to what it got, and at least up to the state's.
    const seqs = control.seqs(controlRequest);
    expectGapFree(seqs);
    expect(Math.max(0, ...seqs)).toBeGreaterThanOrEqual(body.seq);
    expect(body.seq).toBeGreaterThan(controlPublished / 2);
  });

  it('the heap stays bounded', () => {
    const growthMiB = (heapAfterGc() - heapBefore) / 2 ** 20;
    process.stdout.write(`fuzz: heap after gc grew ${growthMiB.toFixed(1)} MiB over the run (test process: gateway, clients and jest)\n`);
    expect(growthMiB).toBeLessThan(100);
  });
});
