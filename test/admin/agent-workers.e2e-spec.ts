import { hostname } from 'node:os';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { AgentWorkflow, type AgentRun } from '@app/agent-kit';
import { Exchanges, type AdminInstancesView, type AgentWorkerHeartbeat, type AgentWorkerInstanceView } from '@app/contracts';
import { eventually, http } from '../support/admin-http';
import { TestBroker } from '../support/broker';
import { closeAll, startAgentWorker, startGateway } from '../support/gateway-harness';

// Names of their own: a run's vhost is shared by its test files, and durable start queues outlive a worker.
@AgentWorkflow('wf-heartbeat-one')
class FirstWorkflow {
  run(run: AgentRun) {
    return { by: run.workflow };
  }
}

@AgentWorkflow('wf-heartbeat-two')
class SecondWorkflow {
  run(run: AgentRun) {
    return { by: run.workflow };
  }
}

/** Agent workers announce themselves on `agent-stream.agent-workers`; GET /admin/instances lists them with their workflows. */
describe('agent workers in GET /admin/instances', () => {
  let gateway: { app: INestApplication; url: string };
  let worker: INestApplicationContext | undefined;
  let broker: TestBroker;

  beforeAll(async () => {
    gateway = await startGateway();
    broker = await TestBroker.connect();
  });
  afterAll(async () => {
    await broker?.close();
    await closeAll(worker, gateway?.app);
  });

  const workers = async () => (await http<AdminInstancesView>(gateway.url, '/admin/instances')).body.workers;
  const withWorkflow = (name: string) => (list: AgentWorkerInstanceView[]) => list.filter((w) => w.workflows.some((f) => f.name === name));

  it('a worker with two workflows appears with both, and disappears when it stops', async () => {
    worker = await startAgentWorker([FirstWorkflow, SecondWorkflow]);
    const seen = withWorkflow('wf-heartbeat-one')(await eventually(workers, (list) => withWorkflow('wf-heartbeat-one')(list).length === 1, 5000));
    expect(seen).toEqual([
      {
        workerId: expect.any(String),
        host: hostname(),
        pid: process.pid,
        state: 'serving',
        workflows: [{ name: 'wf-heartbeat-one', default: false }, { name: 'wf-heartbeat-two', default: false }],
        runsInProgress: 0,
        startedAt: expect.any(String),
        heartbeatAt: expect.any(String),
        intervalMs: 5000,
      },
    ]);
    expect(Date.parse(seen[0].heartbeatAt)).toBeGreaterThanOrEqual(Date.parse(seen[0].startedAt));

    await worker.close();
    worker = undefined;
    // Its last heartbeat says `stopped`: gone well before 3 missed intervals (15 s).
    await eventually(workers, (list) => withWorkflow('wf-heartbeat-one')(list).length === 0, 3000);
  });

  it('a worker that goes silent is forgotten after 3 of its intervals; an unreadable heartbeat is ignored', async () => {
    const silent: AgentWorkerHeartbeat = {
      workerId: `silent-${process.pid}-${Date.now()}`,
      host: 'elsewhere',
      pid: 1,
      state: 'serving',
      workflows: [{ name: 'wf-heartbeat-silent', default: true }],
      runsInProgress: 3,
      startedAt: new Date().toISOString(),
      intervalMs: 300,
    };
    const publish = (body: unknown) => broker.channel.publish(Exchanges.agentWorkers, '', Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
    publish('not json');
    publish({ ...silent, workerId: 'broken', pid: 'one' });
    publish(silent);
    const seen = await eventually(workers, (list) => list.some((w) => w.workerId === silent.workerId), 3000);
    expect(seen.find((w) => w.workerId === silent.workerId)).toMatchObject({ host: 'elsewhere', runsInProgress: 3, workflows: [{ name: 'wf-heartbeat-silent', default: true }] });
    expect(seen.some((w) => w.workerId === 'broken')).toBe(false);
    const heardAt = Date.now();
    await eventually(workers, (list) => !list.some((w) => w.workerId === silent.workerId), 5000);
    expect(Date.now() - heardAt).toBeGreaterThanOrEqual(600);
  });
});
