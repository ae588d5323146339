import { AgentEventSink, type AgentEvent } from './agent-event-sink';

/**
 * An in-memory sink for unit tests of workflows and of the kit. `failWhen`
 * makes the "broker" refuse chosen events.
 */
export class RecordingEventSink extends AgentEventSink {
  readonly events: AgentEvent[] = [];
  failWhen?: (event: AgentEvent) => boolean;

  async publish(event: AgentEvent): Promise<void> {
    if (this.failWhen?.(event)) throw new Error(`broker refused ${event.type}`);
    this.events.push(event);
  }

  /** `type` of every event, or of one request's. */
  types(requestId?: string): string[] {
    return this.of(requestId).map((e) => e.type);
  }

  of(requestId?: string): AgentEvent[] {
    return requestId === undefined ? this.events : this.events.filter((e) => e.requestId === requestId);
  }
}
