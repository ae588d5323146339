import { Injectable, Module, type INestApplication, type INestApplicationContext } from '@nestjs/common';
import { IsString, Length, Matches } from 'class-validator';
import { AgentWorkflow, type AgentRun } from '@app/agent-kit';
import { CommandError, ErrorCode, isFinalStatus, REQUEST_ID_PATTERN } from '@app/contracts';
import { AgentCommandForwarder, StreamCommand, type StreamCommandContext } from '@app/gateway';
import { closeAll, connectAs, newRequestId, newUser, startAgentWorker, startGateway } from '../support/gateway-harness';
import type { StreamClient } from '../support/stream-client';

// ---- what an extension team writes, in its own module: a `nudge` command ----

class NudgeCommand {
  @IsString() @Matches(REQUEST_ID_PATTERN)
  requestId!: string;

  @IsString() @Length(1, 200)
  note!: string;
}

@Injectable()
class NudgeCommands {
  constructor(private readonly agents: AgentCommandForwarder) {}

  @StreamCommand('nudge', { payload: NudgeCommand })
  async nudge({ requestId, note }: NudgeCommand, { principal, request }: StreamCommandContext) {
    if (isFinalStatus(request!.status)) throw new CommandError(ErrorCode.CONFLICT, `the request has already ${request!.status}`);
    await this.agents.forward('nudge', { requestId, note, by: principal.userId });
    return { forwarded: true };
  }
}

@Module({ providers: [NudgeCommands] })
class NudgeModule {}

/** Waits to be nudged (at most 10 s), reports the note, and ends. */
@AgentWorkflow('nudgeable')
class NudgeableWorkflow {
  async run(run: AgentRun) {
    const agent = run.agent('patient-agent');
    let nudged!: (note: string) => void;
    const note = new Promise<string>((resolve) => (nudged = resolve));
    run.onCommand('nudge', async (body) => {
      await agent.progress({ stepOrder: 1, status: 'running', note: body.note, by: body.by });
      nudged(String(body.note));
    });
    await agent.progress({ stepOrder: 1, status: 'running', waiting: true });
    const got = await Promise.race([note, new Promise<string>((resolve) => setTimeout(resolve, 10_000, 'nobody nudged'))]);
    await agent.progress({ stepOrder: 1, status: 'completed', result: got });
    return { note: got };
  }
}

describe('@StreamCommand: a socket command added by an extension module', () => {
  let gateway: INestApplication;
  let url = '';
  let worker: INestApplicationContext;
  const clients: StreamClient[] = [];
  beforeAll(async () => {
    ({ app: gateway, url } = await startGateway({}, { imports: [NudgeModule] }));
    worker = await startAgentWorker([NudgeableWorkflow]);
  });
  afterAll(() => closeAll(worker, gateway));
  afterEach(() => clients.splice(0).forEach((c) => c.close()));

  async function connect(userId = newUser(), roles?: string[]): Promise<StreamClient> {
    const client = await connectAs(url, userId, { roles });
    clients.push(client);
    return client;
  }

  /** Starts a nudgeable run and waits until it listens for nudges. */
  async function startWaitingRun(client: StreamClient): Promise<string> {
    const requestId = newRequestId();
    expect(await client.ack('start', { requestId, userQuery: 'wait for me', workflow: 'nudgeable' })).toMatchObject({ ok: true, status: 'queued' });
    await client.waitFor('progress', (m) => m.requestId === requestId && m.data.waiting === true);
    return requestId;
  }

  it('round trip: frontend → gateway handler → the agent running the request (run.onCommand) → an event back to the frontend', async () => {
    const owner = newUser();
    const client = await connect(owner);
    const requestId = await startWaitingRun(client);

    expect(await client.ack('nudge', { requestId, note: 'hurry up' })).toEqual({ ok: true, forwarded: true });
    const reported = await client.waitFor('progress', (m) => m.requestId === requestId && m.data.note === 'hurry up');
    expect(reported).toMatchObject({ agent: 'patient-agent', status: 'running', data: { by: owner } });
    const done = await client.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(done).toMatchObject({ status: 'completed', result: { note: 'hurry up' } });

    // After the end the handler itself refuses (it sees the request the pipeline checked).
    expect(await client.ack('nudge', { requestId, note: 'too late' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
  });

  it('validates the payload first: VALIDATION_FAILED with each field, unknown fields refused, the guide’s `type` accepted', async () => {
    const client = await connect();
    const requestId = await startWaitingRun(client);

    const missing = await client.ack('nudge', { requestId });
    expect(missing).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: 'note' }] } });
    const extra = await client.ack('nudge', { requestId, note: 'x', priority: 9 });
    expect(extra).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: 'priority' }] } });
    expect(await client.ack('nudge', 'not an object')).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    expect(await client.ack('nudge', { type: 'poke', requestId, note: 'x' })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED', details: [{ field: 'type' }] } });
    // Validation comes before authorization: another user's bad payload is VALIDATION_FAILED, not FORBIDDEN.
    const stranger = await connect();
    expect(await stranger.ack('nudge', { requestId })).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });

    expect(await client.ack('nudge', { type: 'nudge', requestId, note: 'with type' })).toEqual({ ok: true, forwarded: true });
    await client.waitFor('request.completed', (m) => m.requestId === requestId);
  });

  it('checks the request the payload names: FORBIDDEN for another user, NOT_FOUND for no such request, admins allowed', async () => {
    const owner = await connect();
    const requestId = await startWaitingRun(owner);

    const stranger = await connect();
    expect(await stranger.ack('nudge', { requestId, note: 'mine now' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await stranger.ack('nudge', { requestId: newRequestId(), note: 'anyone?' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const admin = await connect(newUser('admin'), ['admin']);
    expect(await admin.ack('nudge', { requestId, note: 'from an admin' })).toEqual({ ok: true, forwarded: true });
    await owner.waitFor('progress', (m) => m.requestId === requestId && m.data.note === 'from an admin');
    await owner.waitFor('request.completed', (m) => m.requestId === requestId);
    expect(owner.events(requestId).some((m) => m.type === 'progress' && (m as { data: { note?: string } }).data.note === 'mine now')).toBe(false);
  });

  it('answers an event name no command handles with NOT_FOUND when it has a callback; ignores it without one', async () => {
    const client = await connect();
    const before = await scrapeCommands();
    expect(await client.ack('pause', { requestId: 'r1' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: "no such command: 'pause'" } });
    client.socket.emit('pause', { requestId: 'r1' }); // no callback: nothing comes back, nothing breaks
    expect(await client.socket.timeout(5000).emitWithAck('no-payload-at-all')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // 'error' is not reserved for clients; on the server an unhandled 'error' emit would throw.
    expect(await client.ack('error', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // The connection is fine and the metric counts by command with a fixed label for unknown names.
    expect(await client.ack('leave', { requestId: 'r1' })).toEqual({ ok: true });
    const after = await scrapeCommands();
    expect(after['(unknown)|NOT_FOUND'] - (before['(unknown)|NOT_FOUND'] ?? 0)).toBe(3);
    expect(Object.keys(after).some((key) => key.startsWith('pause|'))).toBe(false);
  });

  it('counts extension commands in agent_stream_commands_total by name and result', async () => {
    const client = await connect();
    const before = await scrapeCommands();
    await client.ack('nudge', { requestId: newRequestId(), note: 'x' }); // NOT_FOUND
    await client.ack('nudge', { requestId: 'r1' }); // VALIDATION_FAILED
    const after = await scrapeCommands();
    expect(after['nudge|NOT_FOUND'] - (before['nudge|NOT_FOUND'] ?? 0)).toBe(1);
    expect(after['nudge|VALIDATION_FAILED'] - (before['nudge|VALIDATION_FAILED'] ?? 0)).toBe(1);
  });

  /** `command|result` → value of agent_stream_commands_total on this gateway. */
  async function scrapeCommands(): Promise<Record<string, number>> {
    const text = await (await fetch(`${url}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const [, command, result, value] of text.matchAll(/^agent_stream_commands_total\{command="([^"]*)",result="([^"]*)"\} (\d+)/gm)) {
      counts[`${command}|${result}`] = Number(value);
    }
    return counts;
  }
});

describe('@StreamCommand under the socket rate limit', () => {
  let gateway: INestApplication | undefined;
  afterAll(() => closeAll(gateway));

  it('extension and unknown commands take from the same per-socket budget as ours', async () => {
    let url: string;
    ({ app: gateway, url } = await startGateway({ RATE_LIMIT_PER_SECOND: '3' }, { imports: [NudgeModule] }));
    const client = await connectAs(url, newUser());
    try {
      const replies = await Promise.all([
        client.ack('nudge', { requestId: 'r1' }),
        client.ack('pause', {}),
        client.ack('leave', { requestId: 'r1' }),
        client.ack('nudge', { requestId: 'r1', note: 'x' }),
      ]);
      expect(replies.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual(['VALIDATION_FAILED', 'NOT_FOUND', 'ok', 'RATE_LIMITED']);
    } finally {
      client.close();
    }
  });
});
