import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { closeAll, connectAs, demoContext, newRequestId, newUser, startAgents, startGateway } from '../support/gateway-harness';
import { buildApps, removeBuild, spawnGateway } from '../support/gateway-process';
import { expectGapFree } from '../support/stream-client';

describe('several gateway instances', () => {
  let outDir: string;
  let inProcess: INestApplication;
  let agents: INestApplicationContext;
  let urlA: string;
  let other: Awaited<ReturnType<typeof spawnGateway>>;

  beforeAll(async () => {
    outDir = buildApps();
    ({ app: inProcess, url: urlA } = await startGateway());
    agents = await startAgents();
    other = await spawnGateway(outDir);
  }, 90_000);
  afterAll(async () => {
    await other?.stop();
    await closeAll(agents, inProcess);
    removeBuild(outDir);
  });

  it.each([
    ['started on A, watched on B', 'A'],
    ['started on B, watched on A', 'B'],
  ])('a watcher sees every event of a run %s', async (_label, startOn) => {
    const owner = newUser();
    const requestId = newRequestId();
    const [startUrl, watchUrl] = startOn === 'A' ? [urlA, other.url] : [other.url, urlA];

    const watcher = await connectAs(watchUrl, owner, { requestId });
    await watcher.waitFor('state', (m) => m.requestId === requestId);
    const starter = await connectAs(startUrl, owner);
    expect(await starter.ack('start', { requestId, userQuery: 'across instances', context: demoContext({ steps: 3 }) })).toMatchObject({ ok: true });

    const [doneOnWatcher, doneOnStarter] = await Promise.all([
      watcher.waitFor('request.completed', (m) => m.requestId === requestId),
      starter.waitFor('request.completed', (m) => m.requestId === requestId),
    ]);
    expect(doneOnWatcher).toEqual(doneOnStarter);
    expectGapFree(watcher.seqs(requestId));
    expect(watcher.events(requestId)).toEqual(starter.events(requestId));
    watcher.close();
    starter.close();
  });

  it('a cancel sent to one instance stops a run watched on the other', async () => {
    const owner = newUser();
    const requestId = newRequestId();
    const starter = await connectAs(urlA, owner);
    await starter.ack('start', { requestId, userQuery: 'cancel across', context: demoContext({ steps: 20, stepDelayMs: 300 }) });
    await starter.waitFor('progress', (m) => m.requestId === requestId && m.agent === 'executor-agent');
    const canceller = await connectAs(other.url, owner);
    expect(await canceller.ack('cancel', { requestId })).toEqual({ ok: true, status: 'cancelling' });
    const done = await starter.waitFor('request.completed', (m) => m.requestId === requestId, 3000);
    expect(done.status).toBe('cancelled');
    expectGapFree(starter.seqs(requestId));
    starter.close();
    canceller.close();
  });
});
