import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import { loadConfigOrExit } from '@app/config';
import type { ClientToServerEvents, ServerToClientEvents } from '@app/contracts';
import { signTokenFor } from '@app/auth';
import { parseCommandLine } from './command-line';

/**
 * `npm run demo -- [--steps N] [--ask N] [--fail N] [--url URL]`: starts a demo
 * request as a frontend would and prints what arrives; answers questions.
 */
const { values } = parseCommandLine(
  process.argv.slice(2),
  { steps: { type: 'string' }, ask: { type: 'string' }, fail: { type: 'string' }, url: { type: 'string' } },
  'npm run demo -- [--steps N] [--ask N] [--fail N] [--url URL]',
);
const option = (name: keyof typeof values) => values[name];

const config = loadConfigOrExit('demo');
const url = option('url') ?? `http://localhost:${config.PORT}`;
const token = (() => {
  try {
    return signTokenFor(config, { sub: 'demo-user' }, 3600);
  } catch (error) {
    console.error((error as Error).message);
    return process.exit(2);
  }
})();
const requestId = `demo-${randomUUID().slice(0, 8)}`;
const demo: Record<string, number> = { steps: Number(option('steps') ?? 3) };
if (option('ask')) demo.askAtStep = Number(option('ask'));
if (option('fail')) demo.failAtStep = Number(option('fail'));

const socket = io(url, { auth: { token }, query: { requestId }, transports: ['websocket'] }) as unknown as import('socket.io-client').Socket<
  ServerToClientEvents,
  ClientToServerEvents
>;
const show = (message: { type: string; seq?: number }) => console.log(`#${message.seq ?? '-'} ${message.type} ${JSON.stringify(message)}`);

socket.on('connect_error', (error) => {
  console.error(`cannot connect to ${url}: ${error.message}`);
  process.exit(1);
});
socket.on('state', (state) => {
  show(state);
  if (state.status === 'unknown') socket.emit('start', { requestId, userQuery: 'Show me the demo', context: { demo } }, (ack) => console.log('start ack', ack));
});
for (const type of ['progress', 'agent.completed', 'error', 'status'] as const) socket.on(type, show as never);
socket.on('question', (question) => {
  show(question);
  socket.emit('feedback', { requestId, questionId: question.questionId, answer: question.options?.[0] ?? 'yes' }, (ack) => console.log('feedback ack', ack));
});
socket.on('request.completed', (done) => {
  show(done);
  socket.close();
});
