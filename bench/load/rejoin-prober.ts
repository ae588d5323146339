import type { Socket } from 'socket.io-client';
import { sleep, wallNow, LatencyHistogram, CpuMeter, ownCpuSeconds } from '../common';
import { OrchestratorLink } from './orchestrator-link';
import type { FromProber, ProbePlan, ToProber } from './protocol';
import { command, openSocket, watching } from './sockets';

/**
 * Scenario (f), product only: a frontend coming back to a request it missed
 * `missed` events of. Creates the probe requests, waits until the publisher
 * has filled them (seen live), leaves them; then, while the load runs,
 * rejoins them one after the other with `lastSeq: 1` and times `rejoin`
 * emit → the `state` holding exactly those events.
 */
const STATE_TIMEOUT_MS = 30_000;
const link = new OrchestratorLink<ToProber, FromProber>();

interface StateMessage {
  requestId: string;
  seq: number;
  truncated?: boolean;
  events?: Array<{ seq: number }>;
}

link.run(async () => {
  const { plan } = await link.next('plan');
  const socket = openSocket(plan.target);
  await watching(socket, plan.target);
  const highestSeq = new Map(plan.requestIds.map((id) => [id, 0]));
  socket.onAny((_event: string, message: { requestId?: string; seq?: number }) => {
    if (typeof message?.seq === 'number' && highestSeq.has(message.requestId!)) {
      highestSeq.set(message.requestId!, Math.max(highestSeq.get(message.requestId!)!, message.seq));
    }
  });
  for (const requestId of plan.requestIds) await command(socket, 'start', { requestId, userQuery: 'bench rejoin probe' });
  link.send({ kind: 'created' });

  const full = 1 + plan.missed; // seq 1 is `queued`
  while ([...highestSeq.values()].some((seq) => seq < full)) await sleep(20);
  for (const requestId of plan.requestIds) await command(socket, 'leave', { requestId });
  link.send({ kind: 'filled' });

  await link.next('go');
  const cpu = new CpuMeter(ownCpuSeconds);
  let stopped = false;
  void link.next('stop').then(() => (stopped = true));
  const rejoin = new LatencyHistogram();
  let [incomplete, failures] = [0, 0];
  for (let i = 0; !stopped; i++) {
    const requestId = plan.requestIds[i % plan.requestIds.length];
    try {
      const { elapsedMs, state } = await timedRejoin(socket, requestId);
      rejoin.record(elapsedMs);
      if (!isExactly(state, plan)) incomplete++;
      await command(socket, 'leave', { requestId });
    } catch {
      failures++;
    }
    await sleep(plan.pauseMs);
  }
  link.send({ kind: 'done', report: { rejoin: rejoin.toData(), incomplete, failures, cpuPercent: cpu.percent() } });
  socket.disconnect();
});

/** `rejoin` with lastSeq 1; resolves when both its `state` and its ack are in, timed to the `state`. */
async function timedRejoin(socket: Socket, requestId: string): Promise<{ elapsedMs: number; state: StateMessage }> {
  const startedAt = wallNow();
  const state = new Promise<{ at: number; state: StateMessage }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no state')), STATE_TIMEOUT_MS);
    const take = (message: StateMessage) => {
      if (message.requestId !== requestId) return;
      clearTimeout(timer);
      socket.off('state', take);
      resolve({ at: wallNow(), state: message });
    };
    socket.on('state', take);
  });
  state.catch(() => undefined); // a failed ack below must not leave this rejection unhandled
  await command(socket, 'rejoin', { requestId, lastSeq: 1 });
  const got = await state;
  return { elapsedMs: got.at - startedAt, state: got.state };
}

/** The snapshot carries exactly the missed events, seq 2 … 1 + missed, not truncated. */
function isExactly(state: StateMessage, plan: ProbePlan): boolean {
  const events = state.events ?? [];
  return !state.truncated && state.seq === 1 + plan.missed && events.length === plan.missed && events.every((e, i) => e.seq === i + 2);
}
