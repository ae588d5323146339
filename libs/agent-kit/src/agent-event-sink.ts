import type { AgentEventBody } from '@app/contracts';

/** A body for `agent.events` as the kit sends it: always with an `eventId`. */
export type AgentEvent = AgentEventBody & { eventId: string };

/**
 * Where a run's events go. Abstract class so it doubles as the DI token;
 * tests pass a fake, the module binds the broker.
 */
export abstract class AgentEventSink {
  /** Resolves once the event is safely with the broker; rejects otherwise. */
  abstract publish(event: AgentEvent): Promise<void>;
}
