/**
 * Fault 1 (and the fix for broker blips): the broker's process stops
 * mid-stream and comes back a few seconds later. On a private RabbitMQ node,
 * never the shared one (it has no plugins: also where a gateway configured for
 * ingest shards must refuse to start). Gateways and agents reconnect and every consumer
 * re-attaches; commands during the outage answer UNAVAILABLE at once; the
 * agent run in progress carries on where it was (it is neither restarted nor
 * started a second time by the other worker) and the frontend loses nothing.
 */
import { demoContext, newRequestId, newUser } from '../support/gateway-harness';
import { expectExactlyOnce, figuresOf, reportFault } from './support/fault-report';
import { faultProcesses, linesAbout, privateService, recoveryAfterRestart, sleep, startMidRun, waitForLine, waitForReadiness } from './support/fault-fixture';
import { PrivateRabbitMq } from './support/private-rabbitmq';
import { RecoveringClient } from './support/recovering-client';

/** Retries a command while it answers UNAVAILABLE (a frontend's retry), up to a deadline. */
async function retryWhileUnavailable(send: () => Promise<any>, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let reply = await send();
  while (!reply.ok && reply.error.code === 'UNAVAILABLE' && Date.now() < deadline) {
    await sleep(250);
    reply = await send();
  }
  return reply;
}

describe('fault: the broker restarts mid-stream', () => {
  const broker = privateService(() => PrivateRabbitMq.start());
  const processes = faultProcesses(() => ({ env: { AMQP_URL: broker.it.url } }));

  it('a gateway configured for ingest shards on a broker without the consistent-hash plugin stops at start-up, naming the plugin and how to enable it', async () => {
    await expect(processes.gateway({ env: { INGEST_SHARDS: '3' } })).rejects.toThrow(
      /INGEST_SHARDS > 1 needs RabbitMQ's rabbitmq_consistent_hash_exchange plugin.*rabbitmq-plugins enable rabbitmq_consistent_hash_exchange/,
    );
  }, 60_000);

  it('the run carries on through the outage on the worker that had it; commands meanwhile answer UNAVAILABLE at once; nothing lost', async () => {
    const gateway = await processes.gateway();
    const workers = [await processes.worker(), await processes.worker()];
    const client = await startMidRun([gateway.url], 'broker-restart', { steps: 16, stepDelayMs: 250 });
    const { requestId } = client;

    const stoppedAt = Date.now();
    broker.it.stop();
    await waitForReadiness(gateway.url, false);
    const askedAt = Date.now();
    const refused = await client.ack('start', { requestId: newRequestId('during-outage'), userQuery: 'during the outage' });
    const refusedInMs = Date.now() - askedAt;
    expect(refused).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: expect.any(String) } });
    expect(refusedInMs).toBeLessThan(1000);

    await broker.it.boot();
    const { backAt, readyAfterMs, streamResumedAfterMs, figures } = await recoveryAfterRestart(client, gateway.url);
    // The worker acks (and logs 'ended') once the start that went back to the queue in the outage returns to it:
    // 'ended completed' if the run was still going, 'ended already-finished' if it finished meanwhile.
    await waitForLine(workers, requestId, 'ended');
    const about = (phrase: string) => workers.flatMap((w) => linesAbout(w, requestId, phrase));
    reportFault('broker restart mid-stream (private node stopped and started)', {
      ...figures,
      outageMs: backAt - stoppedAt,
      commandRefusedInMs: refusedInMs,
      gatewayReadyAfterBrokerBackMs: readyAfterMs,
      streamResumedAfterBrokerBackMs: streamResumedAfterMs,
      runsTaken: about('taking run').length,
      runsInterrupted: about('interrupted').length,
      startsHandedBackToHolder: about('handing its start back').length,
    });
    client.close();

    expectExactlyOnce(figures);
    expect(client.completions()[0]).toMatchObject({ status: 'completed' });
    // One run, carried on: taken once, never interrupted, ended once — by the worker that took it.
    expect(about('taking run')).toHaveLength(1);
    expect(about('interrupted')).toHaveLength(0);
    expect(about('ended')).toHaveLength(1);
    const holder = workers.find((w) => linesAbout(w, requestId, 'taking run').length === 1);
    expect(linesAbout(holder!, requestId, 'ended')).toHaveLength(1);
  }, 120_000);

  it('after the restart every consumer is attached again: start, question, answer and completion all go through', async () => {
    const gateway = await processes.gateway();
    const requestId = newRequestId('after-restart');
    const client = await RecoveringClient.connect([gateway.url], newUser(), requestId);
    const started = await retryWhileUnavailable(() => client.start('after the restart', demoContext({ steps: 2, askAtStep: 1 })));
    expect(started).toMatchObject({ ok: true });
    await client.until(() => client.messages.some((m) => m.type === 'question'), 20_000, 'the question');
    const question = client.messages.find((m) => m.type === 'question') as { questionId: string };
    expect(await retryWhileUnavailable(() => client.ack('feedback', { requestId, questionId: question.questionId, answer: 'go ahead' }))).toEqual({ ok: true });
    await client.waitForCompletion();
    const figures = await figuresOf(client, gateway.url);
    client.close();
    expectExactlyOnce(figures);
  }, 60_000);
});
