import type { Socket } from 'socket.io-client';
import { sleep, wallNow, CpuMeter, ownCpuSeconds } from '../common';
import { DeliveryLedger, DeliveryTally } from './delivery-ledger';
import { OrchestratorLink } from './orchestrator-link';
import type { FromWatchers, ToWatchers } from './protocol';
import { eachLimited, openSocket, startRequests, watching } from './sockets';

/**
 * Plays the frontends: `watchersPerRequest` socket.io-client connections per
 * request, each watching through its handshake `query.requestId`, each
 * delivery checked by a DeliveryLedger. Runs in its own process (one of
 * several when the orchestrator splits the requests), never in the server's.
 */
/** Handshakes in flight per watcher process: more only queue in the server (10,000 at 200 × 4 processes timed out). */
const CONNECTS_AT_ONCE = 50;
const link = new OrchestratorLink<ToWatchers, FromWatchers>();

link.run(async () => {
  const { plan } = await link.next('plan');
  const { target } = plan;
  if (plan.createRequests) await startRequests(target, plan.requestIds);
  link.send({ kind: 'created' });

  await link.next('connect');
  const tally = new DeliveryTally(plan.earlyLate);
  const ledgers: DeliveryLedger[] = [];
  const sockets: Socket[] = [];
  const slots = plan.requestIds.flatMap((requestId) => Array<string>(plan.watchersPerRequest).fill(requestId));
  const connectStart = wallNow();
  await eachLimited(slots, CONNECTS_AT_ONCE, async (requestId) => {
    const ledger = new DeliveryLedger(requestId, plan.eventsPerRequest, plan.warmupEvents, tally);
    const socket = openSocket(target, requestId);
    // Registered before any message can arrive, the handshake `state` included.
    socket.onAny((event: string, message: Parameters<DeliveryLedger['take']>[1]) => ledger.take(event, message, wallNow()));
    socket.on('disconnect', () => tally.counts.disconnects++);
    ledgers.push(ledger);
    sockets.push(socket);
    await watching(socket, target, requestId);
  });
  const connectMs = wallNow() - connectStart;
  link.send({ kind: 'ready' });

  await link.next('go');
  const cpu = new CpuMeter(ownCpuSeconds);
  const { deadline } = await link.next('finish');
  while (tally.distinct < tally.counts.expected && wallNow() < deadline) await sleep(20);
  const cpuPercent = cpu.percent();

  const { counts } = tally;
  ledgers.forEach((ledger) => ledger.closeBooks());
  const disconnectsDuringRun = counts.disconnects;
  sockets.forEach((socket) => socket.disconnect());
  link.send({
    kind: 'done',
    report: {
      counts: { ...counts, disconnects: disconnectsDuringRun },
      latency: tally.latency.toData(),
      early: plan.earlyLate ? tally.early.toData() : undefined,
      late: plan.earlyLate ? tally.late.toData() : undefined,
      lastDeliveryAt: tally.lastDeliveryAt,
      connectMs,
      cpuPercent,
    },
  });
});
