import type { HistogramData } from '../common';

/**
 * Messages between the orchestrator (`bench/run.ts`) and its load processes
 * (publisher, watchers, rejoin prober), over the IPC channel of `fork`.
 * Every load process answers a failure with `{ kind: 'error', message }`.
 */

/** The server under test, as a client sees it. */
export interface TargetEndpoint {
  kind: 'relay' | 'product';
  /** Socket.IO base URL, http://127.0.0.1:<port>. */
  url: string;
  /** The target's own vhost: relay and product never see each other's events. */
  amqpUrl: string;
  /** A JWT for the product (`signToken`); the relay needs none. */
  token?: string;
}

export type ErrorMessage = { kind: 'error'; message: string };

// ---- publisher: plays the agents ----

export interface PublishPlan {
  amqpUrl: string;
  requestIds: string[];
  eventsPerRequest: number;
  /** Events per second over all requests. */
  rate: number;
  /** Distinct steps per request: 0 = every event a new step (stepOrder = its counter). */
  steps: number;
  /** `output`: each event a delta of step 1's text (scenario g), instead of a step's progress. */
  events?: 'progress' | 'output';
}
export type ToPublisher = { kind: 'plan'; plan: PublishPlan } | { kind: 'go' };
export interface PublishReport {
  published: number;
  nacked: number;
  startedAt: number;
  endedAt: number;
  /** Worst lag behind the schedule at a pacer tick: the generator could not keep the rate. */
  maxBehindMs: number;
  cpuPercent: number;
}
export type FromPublisher = { kind: 'ready' } | { kind: 'done'; report: PublishReport } | ErrorMessage;

// ---- watchers: the frontends ----

export interface WatchPlan {
  target: TargetEndpoint;
  requestIds: string[];
  watchersPerRequest: number;
  /** Events each request gets, warm-up included. */
  eventsPerRequest: number;
  /** The first events of each request (n ≤ this) warm the path up: checked, but not in the latency figures. */
  warmupEvents: number;
  /** Product only: create the requests with `start` before anyone watches (the relay has nothing to create). */
  createRequests: boolean;
  /** Also split latency into each request's first and last 10 % of events (scenario e). */
  earlyLate: boolean;
}
export type ToWatchers =
  | { kind: 'plan'; plan: WatchPlan }
  | { kind: 'connect' }
  | { kind: 'go' }
  /** Stop once every event has arrived, or at `deadline` (wall clock) whatever is missing: that is lost. */
  | { kind: 'finish'; deadline: number };
export interface DeliveryCounts {
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
  /** Product: live `seq` that skipped numbers (sum of skipped). */
  seqGaps: number;
  /** Product: live `seq` at or below one already seen on that connection. */
  seqRepeats: number;
  /** Messages for another request, or with a counter outside the plan. */
  foreign: number;
  /** Connections that closed during the run (e.g. dropped as slow clients). */
  disconnects: number;
}
export interface WatchReport {
  counts: DeliveryCounts;
  latency: HistogramData;
  early?: HistogramData;
  late?: HistogramData;
  lastDeliveryAt: number;
  connectMs: number;
  cpuPercent: number;
}
export type FromWatchers =
  | { kind: 'created' }
  | { kind: 'ready' }
  | { kind: 'done'; report: WatchReport }
  | ErrorMessage;

// ---- rejoin prober (product only, scenario f) ----

export interface ProbePlan {
  target: TargetEndpoint;
  requestIds: string[];
  /** Events each probe request holds after `queued` (seq 1): a rejoin with lastSeq 1 misses exactly these. */
  missed: number;
  /** Pause between one probe's complete `state` and the next rejoin. */
  pauseMs: number;
}
export type ToProber = { kind: 'plan'; plan: ProbePlan } | { kind: 'go' } | { kind: 'stop' };
export interface ProbeReport {
  rejoin: HistogramData;
  /** A `state` that was not exactly the missed events (wrong count, gap, truncated). */
  incomplete: number;
  failures: number;
  cpuPercent: number;
}
export type FromProber = { kind: 'created' } | { kind: 'filled' } | { kind: 'done'; report: ProbeReport } | ErrorMessage;
