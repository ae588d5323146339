import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { AgentRunSession, RecordingEventSink, type AgentEvent, type AgentRun, type AgentWorkflow } from '@app/agent-kit';
import type { BrokerPublisher } from '@app/messaging';
import { WorkerHeartbeat } from '../libs/agent-kit/src/worker-heartbeat';
import {
  AGENT_WORKER_STATES,
  AgentEventTypes,
  AgentWorkerHeartbeat,
  type AgentWorkerWorkflow,
  agentCommandRoutingKey,
  ANSWER_MAX_CHARS,
  applyEvent,
  CancelRequestCommand,
  CLIENT_COMMANDS,
  CommandError,
  CommandRoutingKeys,
  DEAD_LETTER_REASON_HEADER,
  emptyProjection,
  ErrorCode,
  Exchanges,
  FeedbackRequestCommand,
  FINAL_STATUSES,
  mapAgentEvent,
  MAX_ID_CHARS,
  Queues,
  RECORDED_TYPES,
  REQUEST_ID_PATTERN,
  REQUEST_STATUSES,
  StartRequestCommand,
  startQueue,
  startRoutingKey,
  STEP_STATUSES,
  UnusableEventError,
  USER_QUERY_MAX_CHARS,
  validateKnownFields,
  validatePayload,
  WORKFLOW_PATTERN,
  type AckFailure,
  type CancelAck,
  type ClientCommandName,
  type ClientToServerEvents,
  type FeedbackAck,
  type LeaveAck,
  type RecordedBatch,
  type RecordedMessage,
  type RejoinAck,
  type ServerToClientEvents,
  type StartAck,
  type StateMessage,
  type StatusMessage,
  type WatchRefusedMessage,
} from '@app/contracts';
import { agentEventMessageOf, AsyncApiSpec, SOCKET_MESSAGE_OF } from '../test/support/asyncapi';

/**
 * docs/asyncapi.yaml against libs/contracts: every message type is
 * documented, payloads built with the contracts' own code validate against
 * its schemas, and payloads the contracts refuse are refused by the schemas.
 */
const spec = new AsyncApiSpec();
const requestId = 'req-asyncapi-1';

// Compile-time lists: adding a command or a server message to the contracts fails the type check here.
const SOCKET_COMMANDS: { [K in keyof ClientToServerEvents]: K } = { start: 'start', cancel: 'cancel', feedback: 'feedback', rejoin: 'rejoin', leave: 'leave' };
const SERVER_MESSAGES: { [K in keyof ServerToClientEvents]: K } = {
  progress: 'progress',
  'agent.completed': 'agent.completed',
  question: 'question',
  error: 'error',
  'request.completed': 'request.completed',
  status: 'status',
  output: 'output',
  state: 'state',
};
/** The component message of each command and of its ack. */
const COMMAND_MESSAGES: Record<ClientCommandName, [command: string, ack: string]> = {
  start: ['start', 'startAck'],
  cancel: ['cancel', 'cancelAck'],
  feedback: ['feedback', 'feedbackAck'],
  rejoin: ['rejoin', 'rejoinAck'],
  leave: ['leave', 'leaveAck'],
};
/** The DTO the gateway validates a command with. */
const dtoOf = (name: ClientCommandName) => CLIENT_COMMANDS[name] as new () => object;
const names = (messages: Array<{ name: string }>) => messages.map((m) => m.name);
const schema = (name: string) => spec.doc.components.schemas[name];

function expectValid(messageKey: string, value: unknown): void {
  expect({ messageKey, errors: spec.payloadErrors(messageKey, value) }).toEqual({ messageKey, errors: [] });
}
function expectInvalid(messageKey: string, value: unknown): void {
  expect({ messageKey, value, rejected: spec.payloadErrors(messageKey, value).length > 0 }).toEqual({ messageKey, value, rejected: true });
}

// ---- samples made by the real code ----

const startCommand: StartRequestCommand = { requestId, userQuery: 'compare prices', context: { demo: { steps: 2 } }, owner: 'user-1' };

/** Runs a workflow in the agent kit against an in-memory sink, answering its questions; returns the bodies it published. */
async function publishedBy(workflow: AgentWorkflow, { cancel = false } = {}): Promise<AgentEvent[]> {
  const sink = new RecordingEventSink();
  const session = new AgentRunSession(startCommand, sink, { abortGraceMs: 20 });
  const answered = new Set<string>();
  const play = setInterval(() => {
    for (const event of sink.events) {
      const questionId = event.data.questionId as string | undefined;
      if (event.type === AgentEventTypes.question && questionId && !answered.has(questionId)) {
        answered.add(questionId);
        if (cancel) session.cancel();
        else session.answer(questionId, 'thorough');
      }
    }
  }, 1);
  try {
    await session.execute(workflow);
  } finally {
    clearInterval(play);
  }
  return sink.events;
}

/** Reports every kind of agent event once, then returns a result. */
const everyEventWorkflow: AgentWorkflow = {
  name: 'every-event',
  async run(run: AgentRun) {
    const thought = run.agent('thought-agent');
    const executor = run.agent('executor-agent');
    await thought.progress({ status: 'running', message: 'Planning…' });
    await thought.completed({ plan: [{ stepOrder: 1, tool: 'web.search' }] });
    await executor.progress({ stepOrder: 1, stepId: 'step-1', status: 'running', tool: 'web.search', title: 'Search the web' });
    const depth = await executor.ask('How deep?', { options: ['quick', 'thorough'] });
    await executor.progress({ step: 1, status: 'completed', result: { depth } });
    await executor.stream(3, (async function* () {
      yield 'Dear user, ';
      yield 'the answer is 42 😀';
    })());
    await executor.error('step 2 had a hiccup', 2);
    await executor.completed({ steps: 1 });
    return { answer: '42' };
  },
};
const failingWorkflow: AgentWorkflow = {
  async run(run: AgentRun) {
    await run.agent('executor-agent').progress({ stepOrder: 1, status: 'failed', error: 'tool down' });
    throw new Error('tool down');
  },
};

let bodies: AgentEvent[];
let recorded: RecordedMessage[];

beforeAll(async () => {
  bodies = [
    ...(await publishedBy(everyEventWorkflow)),
    ...(await publishedBy(failingWorkflow)),
    ...(await publishedBy(everyEventWorkflow, { cancel: true })),
  ];
  // The gateway's own mapping, then the envelope the recorder adds.
  const drafts = bodies.map((body) => mapAgentEvent(JSON.parse(JSON.stringify(body)), 'fallback-id'));
  const gatewayStatus: StatusMessage = { type: 'status', requestId, seq: 1, ts: new Date().toISOString(), status: 'queued', owner: 'user-1' };
  recorded = [
    gatewayStatus,
    ...drafts.map(({ eventId: _eventId, ...draft }, i) => ({ ...draft, seq: i + 2, ts: new Date(Date.now() + i).toISOString() }) as RecordedMessage),
  ];
  recorded.push({ type: 'status', requestId, seq: recorded.length + 1, ts: new Date().toISOString(), status: 'running', reason: 'question answered', questionId: 'executor-agent:q1' });
});

describe('docs/asyncapi.yaml is an AsyncAPI 3 document', () => {
  it('validates against the official AsyncAPI 3.0.0 JSON Schema', () => {
    const official = structuredClone(require('@asyncapi/specs/schemas/3.0.0.json'));
    // It embeds its own copy of the draft-07 meta-schema, which Ajv already has.
    delete official.definitions['http://json-schema.org/draft-07/schema'];
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(official);
    expect(validate(spec.doc) ? [] : validate.errors?.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
  });

  it('has every $ref resolving and every payload schema compiling', () => {
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(spec.doc);
    expect(refs.length).toBeGreaterThan(100);
    for (const ref of refs) expect(() => spec.resolve(ref)).not.toThrow();
    for (const key of Object.keys(spec.doc.components.messages)) expect(() => spec.validator(`#/components/messages/${key}/payload`)).not.toThrow();
  });
});

describe('docs/asyncapi.yaml documents every message of libs/contracts', () => {
  it('every client command, received with an acknowledgement as its reply', () => {
    expect(Object.keys(SOCKET_COMMANDS).sort()).toEqual(Object.keys(CLIENT_COMMANDS).sort());
    const received = Object.keys(spec.doc.operations).filter(
      (id) => spec.doc.operations[id].action === 'receive' && spec.doc.operations[id].reply && id !== 'receiveExtensionCommand',
    );
    const documented = received.map((id) => ({ command: spec.operationMessages(id)[0].name, acks: names(spec.operationMessages(id, true)) }));
    expect(documented.map((d) => d.command).sort()).toEqual(Object.keys(SOCKET_COMMANDS).sort());
    for (const { command, acks } of documented) expect(acks).toEqual([command]);
  });

  it('every server → client message, RECORDED_TYPES included, sent on the Socket.IO channel', () => {
    const sent = Object.entries(spec.doc.operations)
      .filter(([, op]) => op.action === 'send' && op.channel.$ref === '#/channels/socket')
      .flatMap(([id]) => names(spec.operationMessages(id)));
    expect([...new Set(sent)].sort()).toEqual(Object.keys(SERVER_MESSAGES).sort());
    expect(names(spec.operationMessages('sendRecordedEvents')).sort()).toEqual([...RECORDED_TYPES].sort());
    for (const type of RECORDED_TYPES) expect(spec.doc.components.messages[SOCKET_MESSAGE_OF[type]].name).toBe(type);
  });

  it('every agent event type on agent.events, taken in through the ingest queue', () => {
    const channel = spec.doc.channels.agentEvents;
    expect(channel.address).toBe(Exchanges.agentEvents);
    expect(spec.doc.channels.ingestQueue.address).toBe(Queues.ingest);
    const documented = names(Object.values(channel.messages).map((m) => spec.resolve(m.$ref)));
    const { progressSuffix, outputSuffix, ...exact } = AgentEventTypes;
    const bySuffix = (n: string) => n.endsWith(progressSuffix) || n.endsWith(outputSuffix);
    expect(documented.filter((n) => !bySuffix(n)).sort()).toEqual(Object.values(exact).sort());
    expect(documented.filter(bySuffix).sort()).toEqual([`*${outputSuffix}`, `*${progressSuffix}`]);
    expect(names(spec.operationMessages('receiveAgentEvents')).sort()).toEqual(documented.sort());
    for (const type of [...Object.values(exact), `executor.step${progressSuffix}`, `executor.step${outputSuffix}`]) {
      const suffix = [progressSuffix, outputSuffix].find((x) => type.endsWith(x));
      expect(spec.doc.components.messages[agentEventMessageOf(type)].name).toBe(suffix ? `*${suffix}` : type);
    }
  });

  it('every command routing key on agent.commands, each published by an operation with that key', () => {
    expect(spec.doc.channels.agentCommands.address).toBe(Exchanges.agentCommands);
    const published = Object.values(spec.doc.operations).filter((op) => op.channel.$ref === '#/channels/agentCommands');
    for (const key of Object.values(CommandRoutingKeys)) {
      const operation = published.find((op) => op.bindings?.amqp?.cc?.includes(key));
      expect({ key, action: operation?.action, messages: operation && names(operation.messages.map((m) => spec.resolve(spec.resolve(m.$ref).$ref))) }).toEqual({
        key,
        action: 'send',
        messages: [key],
      });
    }
    // Plus the extension commands, forwarded as `request.<name>`, and a workflow's starts.
    const extension = published.find((op) => op.bindings?.amqp?.cc?.includes(agentCommandRoutingKey('{name}')));
    expect(extension && names(extension.messages.map((m) => spec.resolve(spec.resolve(m.$ref).$ref)))).toEqual([agentCommandRoutingKey('<name>')]);
    expect(published).toHaveLength(Object.values(CommandRoutingKeys).length + 1);
    const start = published.find((op) => op.bindings?.amqp?.cc?.includes(CommandRoutingKeys.start));
    expect(start?.bindings?.amqp?.cc).toEqual([startRoutingKey(), startRoutingKey('{workflow}')]);
    for (const name of [startQueue('<workflow>'), 'agents.cancelled.<requestId>', 'request.*']) expect(spec.text).toContain(name);
  });

  it('extension commands on the socket: received with an ack, and NOT_FOUND for an event no command handles', () => {
    expect(names(spec.operationMessages('receiveExtensionCommand'))).toEqual(['<name>']);
    expect(names(spec.operationMessages('receiveExtensionCommand', true))).toEqual(['<name>']);
    expectValid('extensionCommandAck', { ok: true, forwarded: true });
    expectValid('extensionCommandAck', { ok: false, error: new CommandError(ErrorCode.NOT_FOUND, "no such command: 'pause'").toBody() });
    expectInvalid('extensionCommandAck', { ok: false, error: { code: 'NOPE', message: 'x' } });
    expect(spec.doc.operations.receiveExtensionCommand.description).toContain('NOT_FOUND');
  });

  it('the fan-out and the dead-letter queue with its reason header, and every exchange and queue name', () => {
    expect(spec.doc.channels.recorded.address).toBe(Exchanges.recordedByBucket);
    expect(spec.doc.channels.deadLetters.address).toBe(Queues.dead);
    expect(schema('DeadLetterHeaders').required).toContain(DEAD_LETTER_REASON_HEADER);
    for (const name of [...Object.values(Exchanges), ...Object.values(Queues)]) expect(spec.text).toContain(name);
  });

  it('the same codes, statuses, id pattern and limits as the contracts', () => {
    expect(schema('ErrorCode').enum).toEqual(Object.values(ErrorCode));
    expect(schema('RequestStatus').enum).toEqual([...REQUEST_STATUSES]);
    expect(schema('FinalStatus').enum).toEqual([...FINAL_STATUSES]);
    expect(schema('StepStatus').enum).toEqual([...STEP_STATUSES]);
    expect(schema('RequestId').pattern).toBe(REQUEST_ID_PATTERN.source);
    expect(schema('WorkflowName').pattern).toBe(WORKFLOW_PATTERN.source);
    expect(schema('Id').maxLength).toBe(MAX_ID_CHARS);
    expect(schema('StartCommand').properties.userQuery.maxLength).toBe(USER_QUERY_MAX_CHARS);
    expect(schema('FeedbackCommand').properties.answer.maxLength).toBe(ANSWER_MAX_CHARS);
    expect(schema('StartRequestCommand').properties.userQuery.maxLength).toBe(USER_QUERY_MAX_CHARS);
  });
});

describe('payloads built from the contracts validate against the schemas', () => {
  const commands: { [K in ClientCommandName]: Array<Omit<InstanceType<(typeof CLIENT_COMMANDS)[K]>, never>> } = {
    start: [
      { requestId, userQuery: 'Plan a trip' },
      { type: 'start', requestId, userQuery: 'Plan a trip', context: { demo: { steps: 5, askAtStep: 2 } } },
      { requestId, userQuery: 'Plan a trip', workflow: 'research' },
    ],
    cancel: [{ requestId }, { type: 'cancel', requestId }],
    feedback: [{ requestId, questionId: 'executor-agent:q1', answer: '' }, { type: 'feedback', requestId, questionId: 'q', answer: 'go ahead' }],
    rejoin: [{ requestId }, { requestId, lastSeq: 0 }, { type: 'rejoin', requestId, lastSeq: 41 }],
    leave: [{ requestId }],
  };

  it.each(Object.keys(commands) as ClientCommandName[])('%s: accepted by its DTO and by the schema', (name) => {
    for (const payload of commands[name]) {
      validatePayload(dtoOf(name), payload);
      expectValid(COMMAND_MESSAGES[name][0], payload);
    }
  });

  it('acks, successful and failed with every error code', () => {
    const ok: Record<ClientCommandName, StartAck | CancelAck | FeedbackAck | RejoinAck | LeaveAck> = {
      start: { ok: true, requestId, status: 'queued' },
      cancel: { ok: true, status: 'cancelling' },
      feedback: { ok: true },
      rejoin: { ok: true, seq: 0 },
      leave: { ok: true },
    };
    let refused: CommandError | undefined;
    try {
      validatePayload(dtoOf('start'), { requestId: '-bad', userQuery: '', extra: 1 });
    } catch (error) {
      refused = error as CommandError;
    }
    const failures: AckFailure[] = [
      { ok: false, error: (refused as CommandError).toBody() },
      ...Object.values(ErrorCode).map((code): AckFailure => ({ ok: false, error: new CommandError(code, `failed with ${code}`).toBody() })),
    ];
    expect(failures[0].error.details?.length).toBeGreaterThan(1);
    for (const name of Object.keys(ok) as ClientCommandName[]) {
      const ackMessage = COMMAND_MESSAGES[name][1];
      expectValid(ackMessage, ok[name]);
      for (const failure of failures) expectValid(ackMessage, failure);
    }
  });

  it('agent.events bodies as the agent kit publishes them, each usable by the gateway', () => {
    expect(new Set(bodies.map((b) => agentEventMessageOf(b.type))).size).toBe(6);
    for (const body of bodies) {
      expect(() => mapAgentEvent(body, 'x')).not.toThrow();
      expectValid(agentEventMessageOf(body.type), body);
    }
  });

  it('recorded messages as mapAgentEvent makes them, live and in the fan-out batch', () => {
    expect(new Set(recorded.map((m) => m.type))).toEqual(new Set(RECORDED_TYPES));
    for (const message of recorded) expect(spec.recordedMessageErrors(message)).toEqual([]);
    const batch: RecordedBatch = { events: recorded };
    expectValid('recordedBatch', batch);
  });

  it('state snapshots folded with applyEvent: fresh, unknown, with replayed events, truncated', () => {
    // The snapshot's fields of the fold, as the store's getState picks them.
    const snapshotOf = (events: RecordedMessage[]) => {
      const { status, agents, steps, pendingQuestions, result, error } = events.reduce(applyEvent, emptyProjection());
      return { status, agents, steps, pendingQuestions, ...(result === undefined ? {} : { result }), ...(error === undefined ? {} : { error }) };
    };
    const now = new Date().toISOString();
    const state: StateMessage = { type: 'state', requestId, seq: recorded.length, userQuery: 'compare prices', createdAt: now, updatedAt: now, ...snapshotOf(recorded) };
    expect(state.steps.length).toBeGreaterThan(0);
    expect(state.agents.length).toBe(2);
    const waiting: StateMessage = { type: 'state', requestId, seq: 5, ...snapshotOf(recorded.slice(0, 5)) };
    expect(waiting.pendingQuestions).toHaveLength(1);
    const unknown: StateMessage = { type: 'state', requestId, seq: 0, ...snapshotOf([]) };
    for (const sample of [state, waiting, unknown, { ...unknown, events: [] }, { ...state, events: recorded.slice(3) }, { ...state, events: recorded.slice(-2), truncated: true as const }]) {
      expectValid('state', sample);
    }
  });

  it('the refused-watch error, without seq', () => {
    const refusal: WatchRefusedMessage = { type: 'error', requestId, code: ErrorCode.FORBIDDEN, message: 'this request belongs to another user' };
    expectValid('watchRefused', refusal);
    expectInvalid('agentError', refusal);
  });

  it('agent.commands bodies, accepted by the agent kit’s DTOs', () => {
    const cancel: CancelRequestCommand = { requestId };
    const feedback: FeedbackRequestCommand = { requestId, questionId: 'executor-agent:q1', answer: 'thorough' };
    for (const [dto, message, body] of [
      [StartRequestCommand, 'requestStart', startCommand],
      [StartRequestCommand, 'requestStart', { ...startCommand, workflow: 'research' }],
      [CancelRequestCommand, 'requestCancel', cancel],
      [FeedbackRequestCommand, 'requestFeedback', feedback],
    ] as const) {
      validateKnownFields(dto as new () => object, body);
      expectValid(message, body);
    }
  });

  it('dead-letter headers carry the reason mapAgentEvent gives', () => {
    let reason = '';
    try {
      mapAgentEvent({ ...bodies[0], data: { status: 'dancing' } }, 'x');
    } catch (error) {
      reason = (error as UnusableEventError).message;
    }
    expect(reason).toMatch(/status/);
    expect(spec.errors('#/components/schemas/DeadLetterHeaders', { [DEAD_LETTER_REASON_HEADER]: reason, 'x-original-routing-key': 'thought.progress' })).toEqual([]);
    expect(spec.errors('#/components/schemas/DeadLetterHeaders', { 'x-original-routing-key': 'thought.progress' })).not.toEqual([]);
  });
});

describe('payloads that break the contract fail the schemas', () => {
  const refusedCommands: Array<[ClientCommandName, unknown]> = [
    ['start', { requestId }],
    ['start', { requestId, userQuery: '' }],
    ['start', { requestId, userQuery: 'x'.repeat(USER_QUERY_MAX_CHARS + 1) }],
    ['start', { requestId, userQuery: 'nul \u0000 inside' }],
    ['start', { requestId: '-starts-with-dash', userQuery: 'q' }],
    ['start', { requestId, userQuery: 'q', context: null }],
    ['start', { requestId, userQuery: 'q', context: [1] }],
    ['start', { requestId, userQuery: 'q', surprise: true }],
    ['start', { type: 'cancel', requestId, userQuery: 'q' }],
    ['start', { requestId, userQuery: 'q', workflow: 'Research' }],
    ['start', { requestId, userQuery: 'q', workflow: 'a'.repeat(65) }],
    ['cancel', { requestId: 42 }],
    ['feedback', { requestId, questionId: '', answer: 'a' }],
    ['feedback', { requestId, questionId: 'q', answer: 'x'.repeat(ANSWER_MAX_CHARS + 1) }],
    ['feedback', { requestId, questionId: 'x'.repeat(MAX_ID_CHARS + 1), answer: 'a' }],
    ['rejoin', { requestId, lastSeq: -1 }],
    ['rejoin', { requestId, lastSeq: 1.5 }],
    ['leave', { requestId, lastSeq: 1 }],
    ['leave', 'req-1'],
  ];

  it.each(refusedCommands.map(([name, payload]) => [name, JSON.stringify(payload).slice(0, 80), payload] as const))('%s %s: refused by its DTO and by the schema', (name, _label, payload) => {
    expect(() => validatePayload(dtoOf(name), payload)).toThrow(CommandError);
    expectInvalid(COMMAND_MESSAGES[name][0], payload);
  });

  it('agent.events bodies the gateway would dead-letter', () => {
    const progress = () => bodies.find((b) => b.type === 'executor.step.progress') as AgentEvent;
    const question = () => bodies.find((b) => b.type === AgentEventTypes.question) as AgentEvent;
    const unusable: Array<[string, unknown]> = [
      ['progressEvent', { ...progress(), data: { stepOrder: 1, status: 'dancing' } }],
      ['progressEvent', { ...progress(), data: { stepOrder: 'one', status: 'running' } }],
      ['progressEvent', { ...progress(), data: [] }],
      ['progressEvent', { ...progress(), requestId: 'bad id' }],
      ['progressEvent', { ...progress(), agent: '' }],
      ['agentQuestionEvent', { ...question(), data: { prompt: 'no id' } }],
      ['agentQuestionEvent', { ...question(), data: { questionId: 'q', prompt: 'p', options: [1] } }],
      ['agentErrorEvent', { type: 'agent.error', requestId, agent: 'a', data: {} }],
      ['requestCompletedEvent', { type: 'request.completed', requestId, agent: 'a', data: { status: 'done' } }],
    ];
    for (const [message, body] of unusable) {
      expect(() => mapAgentEvent(body, 'x')).toThrow(UnusableEventError);
      expectInvalid(message, body);
    }
  });

  it('recorded messages and snapshots with a wrong or missing field', () => {
    const progress = recorded.find((m) => m.type === 'progress') as RecordedMessage;
    const { seq: _seq, ...withoutSeq } = progress;
    expectInvalid('progress', withoutSeq);
    expectInvalid('progress', { ...progress, status: 'dancing' });
    expectInvalid('progress', { ...progress, ts: 'yesterday' });
    expectInvalid('progress', { ...progress, surprise: 1 });
    expectInvalid('requestCompleted', { type: 'request.completed', requestId, seq: 9, ts: new Date().toISOString(), status: 'running' });
    expectInvalid('state', { type: 'state', requestId, seq: 0, status: 'sleeping', agents: [], steps: [], pendingQuestions: [] });
    expectInvalid('state', { type: 'state', requestId, seq: 0, status: 'unknown', agents: [], steps: [] });
    expectInvalid('recordedBatch', { events: [] });
    expectInvalid('startAck', { ok: false, error: { code: 'TEAPOT', message: 'no' } });
  });
});

describe('the README links the document', () => {
  it('from a Reference section', () => {
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    expect(/## Reference[\s\S]*\]\(docs\/asyncapi\.yaml\)/.test(readme)).toBe(true);
  });
});

describe('agent worker heartbeats on agent-stream.agent-workers', () => {
  /** What the agent kit's heartbeat publishes, captured from a fake publisher. */
  async function heartbeatsOf(workflows: AgentWorkerWorkflow[]): Promise<Array<{ exchange: string; body: unknown }>> {
    const sent: Array<{ exchange: string; body: unknown }> = [];
    const publisher = { connected: true, publish: async (exchange: string, _key: string, body: unknown) => void sent.push({ exchange, body }) } as unknown as BrokerPublisher;
    const heartbeat = new WorkerHeartbeat(publisher, { workflows, runsInProgress: () => 2 }, 1000);
    await heartbeat.start();
    await heartbeat.draining();
    await heartbeat.stop();
    return sent;
  }

  it('the heartbeats the agent kit sends (serving, draining, stopped) fit the schema and the gateway’s DTO', async () => {
    const sent = await heartbeatsOf([{ name: 'alpha', default: true }, { name: 'beta', default: false }, { default: true }]);
    expect(sent.map((s) => [s.exchange, (s.body as AgentWorkerHeartbeat).state])).toEqual([
      [Exchanges.agentWorkers, 'serving'],
      [Exchanges.agentWorkers, 'draining'],
      [Exchanges.agentWorkers, 'stopped'],
    ]);
    expect(spec.doc.channels.agentWorkers.address).toBe(Exchanges.agentWorkers);
    for (const { body } of sent) {
      expectValid('agentWorkerHeartbeat', body);
      expect(validateKnownFields(AgentWorkerHeartbeat, body)).toMatchObject(body as object);
    }
    expect(schema('AgentWorkerHeartbeat').properties.state.enum).toEqual([...AGENT_WORKER_STATES]);
  });

  it('a heartbeat with a wrong field fails both', async () => {
    const [{ body }] = await heartbeatsOf([{ name: 'alpha', default: true }]);
    for (const broken of [{ state: 'asleep' }, { workflows: [{ name: 'Not A Name', default: true }] }, { intervalMs: 10 }, { startedAt: 'yesterday' }, { pid: undefined }]) {
      const value = { ...(body as object), ...broken };
      expectInvalid('agentWorkerHeartbeat', value);
      expect(() => validateKnownFields(AgentWorkerHeartbeat, value)).toThrow();
    }
  });
});
