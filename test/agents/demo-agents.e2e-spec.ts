import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import amqp, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { CommandRoutingKeys, Exchanges, Queues } from '@app/contracts';
import { AgentsModule } from '../../apps/agents/src/agents.module';
import { EventTap, trace, type Seen } from '../support/event-tap';

const defaultRunTrace = [
  'thought.progress running',
  'thought.progress completed',
  'agent.completed',
  ...[1, 2, 3].flatMap((n) => [`executor.step.progress ${n} running`, `executor.step.progress ${n} completed`]),
  'agent.completed',
  'request.completed completed',
];

describe('demo agents on the agent kit (real RabbitMQ)', () => {
  let app: INestApplicationContext | undefined;
  let connection: ChannelModel;
  let commands: ConfirmChannel;
  let tap: EventTap;

  const bootWorker = () => NestFactory.createApplicationContext(AgentsModule, { logger: ['error', 'warn'] });
  const newId = () => `agents-e2e-${randomUUID()}`;

  async function send(routingKey: string, body: unknown): Promise<void> {
    const content = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    commands.publish(Exchanges.agentCommands, routingKey, content, { persistent: true });
    await commands.waitForConfirms();
  }
  const start = (requestId: string, demo: object = {}) =>
    send(CommandRoutingKeys.start, { requestId, userQuery: 'compare prices', context: { demo }, owner: 'user-1' });

  beforeAll(async () => {
    app = await bootWorker();
    connection = await amqp.connect(process.env.AMQP_URL as string);
    commands = await connection.createConfirmChannel();
    tap = await EventTap.open(connection);
  });

  afterAll(async () => {
    await app?.close();
    // Nobody records in this file: leave no agent events behind for the next file's recorder.
    await commands.purgeQueue(Queues.ingest).catch(() => undefined);
    await connection.close();
  });

  it('a default run: thought-agent plans, executor-agent runs steps 1..3, then request.completed', async () => {
    const id = newId();
    await start(id, { stepDelayMs: 50 });
    const events = await tap.end(id);
    expect(trace(events)).toEqual(defaultRunTrace);
    expect(events.map((e) => e.agent)).toEqual([...Array(3).fill('thought-agent'), ...Array(8).fill('executor-agent')]);
    expect(events[2].data.plan).toEqual([1, 2, 3].map((n) => expect.objectContaining({ stepOrder: n, title: expect.any(String), tool: expect.any(String) })));
    expect(events[3].data).toMatchObject({ stepOrder: 1, stepId: 'step-1', status: 'running', tool: 'web.search' });
    expect(events.at(-1)?.data).toMatchObject({ status: 'completed', result: { steps: expect.any(Array) } });
    expect(events.map((e) => e.eventId)).toEqual([
      ...[1, 2, 3].map((n) => `${id}:thought-agent:${n}`),
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `${id}:executor-agent:${n}`),
    ]);
  });

  it('failAtStep: step n failed, then an error naming the step, then request.completed failed', async () => {
    const id = newId();
    await start(id, { stepDelayMs: 20, failAtStep: 2 });
    const events = await tap.end(id);
    expect(trace(events).slice(3)).toEqual([
      'executor.step.progress 1 running',
      'executor.step.progress 1 completed',
      'executor.step.progress 2 running',
      'executor.step.progress 2 failed',
      'agent.error 2',
      'request.completed failed',
    ]);
    const [error, final] = events.slice(-2);
    expect(error).toMatchObject({ agent: 'executor-agent', data: { message: expect.stringContaining('step 2'), step: 2 } });
    expect(final.data).toEqual({ status: 'failed', error: error.data.message });
  });

  it('askAtStep: the question waits for request.feedback and the run resumes with the answer', async () => {
    const id = newId();
    await start(id, { stepDelayMs: 20, askAtStep: 2 });
    const question = await tap.waitFor(id, (e) => e.type === 'agent.question');
    expect(question.data).toMatchObject({ questionId: expect.any(String), prompt: expect.stringContaining('Step 2') });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(tap.of(id).some((e) => e.type === 'request.completed')).toBe(false); // it really waits
    await send(CommandRoutingKeys.feedback, { requestId: id, questionId: question.data.questionId, answer: 'be brief' });
    const events = await tap.end(id);
    expect(events.at(-1)?.data.status).toBe('completed');
    const step2 = events.filter((e) => e.data.stepOrder === 2).map((e) => [e.data.status, e.data.answer]);
    expect(step2).toEqual([['running', undefined], ['running', 'be brief'], ['completed', undefined]]);
  });

  it('a question nobody answers in questionTimeoutMs ends the run failed', async () => {
    const id = newId();
    await start(id, { stepDelayMs: 0, askAtStep: 1, questionTimeoutMs: 200 });
    const events = await tap.end(id);
    expect(trace(events).slice(-3)).toEqual(['executor.step.progress 1 failed', 'agent.error 1', 'request.completed failed']);
  });

  it('invalid knobs end the run failed with an error naming the knob', async () => {
    const id = newId();
    await start(id, { steps: 500 });
    const events = await tap.end(id);
    expect(trace(events)).toEqual(['agent.error', 'request.completed failed']);
    expect(events[1].data.error).toMatch(/steps must not be greater than 50/);
  });

  it('cancel mid-run: no new step starts and request.completed cancelled follows within 1 s', async () => {
    const id = newId();
    await start(id, { steps: 10, stepDelayMs: 400 });
    await tap.waitFor(id, (e) => e.type === 'executor.step.progress' && e.data.stepOrder === 1 && e.data.status === 'running');
    const cancelledAt = Date.now();
    await send(CommandRoutingKeys.cancel, { requestId: id });
    const events = await tap.end(id);
    const final = events.at(-1) as Seen;
    expect(final.data).toEqual({ status: 'cancelled' });
    expect(final.at - cancelledAt).toBeLessThan(1000);
    expect(events.filter((e) => e.type === 'request.completed')).toHaveLength(1);
    expect(events.some((e) => e.data.stepOrder === 2)).toBe(false);
  });

  it('a cancel that arrives before its start ends the run cancelled at once', async () => {
    const id = newId();
    await send(CommandRoutingKeys.cancel, { requestId: id });
    await new Promise((resolve) => setTimeout(resolve, 200)); // the cancel travels on another queue than the start
    await start(id, { stepDelayMs: 50 });
    expect(trace(await tap.end(id))).toEqual(['request.completed cancelled']);
  });

  it('runs two requests at once on one worker', async () => {
    const [a, b] = [newId(), newId()];
    await Promise.all([start(a, { stepDelayMs: 200 }), start(b, { stepDelayMs: 200 })]);
    const [eventsA, eventsB] = await Promise.all([tap.end(a), tap.end(b)]);
    expect(trace(eventsA)).toEqual(defaultRunTrace);
    expect(trace(eventsB)).toEqual(defaultRunTrace);
    // Each started before the other ended: they overlapped.
    expect(eventsA[0].at).toBeLessThan((eventsB.at(-1) as Seen).at);
    expect(eventsB[0].at).toBeLessThan((eventsA.at(-1) as Seen).at);
  });

  it('drops an unusable start (no requeue loop) and keeps working', async () => {
    await send(CommandRoutingKeys.start, Buffer.from('{not json'));
    await send(CommandRoutingKeys.start, { requestId: '-bad id-', userQuery: '', owner: 'u' });
    const id = newId();
    await start(id, { steps: 1, stepDelayMs: 0 });
    await tap.end(id);
    expect((await commands.checkQueue(Queues.agentStart)).messageCount).toBe(0);
  });

  it('shutdown lets an in-flight run finish; a run past the drain time is requeued and redone by the next worker', async () => {
    const quick = newId();
    const slow = newId();
    await start(quick, { steps: 2, stepDelayMs: 300 });
    await start(slow, { steps: 12, stepDelayMs: 500 });
    await tap.waitFor(slow, (e) => e.type === 'executor.step.progress');
    await app?.close(); // drains up to 5 s
    app = undefined;
    expect(tap.of(quick).at(-1)?.data.status).toBe('completed');
    expect(tap.of(slow).some((e) => e.type === 'request.completed')).toBe(false);

    app = await bootWorker();
    const events = await tap.end(slow, 20_000);
    // The redo repeats the first attempt's event ids: the gateway records each once.
    const unique = [...new Map(events.map((e) => [e.eventId, e])).values()];
    expect(unique.filter((e) => e.type === 'request.completed').map((e) => e.data.status)).toEqual(['completed']);
    expect(unique.filter((e) => e.type === 'executor.step.progress' && e.data.status === 'completed')).toHaveLength(12);
    expect(events.length).toBeGreaterThan(unique.length);
  }, 40_000);
});
