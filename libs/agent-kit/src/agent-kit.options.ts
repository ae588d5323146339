import type { ModuleMetadata, Type } from '@nestjs/common';
import type { AgentWorkflow } from './agent-workflow';
import type { OutputCoalescing } from './output-coalescer';

export interface AgentKitOptions {
  /**
   * A workflow class, registered as a provider here. Without `@AgentWorkflow`
   * it serves the default workflow (`request.start`), as before workflows had
   * names. Workflows may also be listed in `providers` or come from any
   * module of the app: the worker runs every `@AgentWorkflow` provider.
   */
  workflow?: Type<AgentWorkflow>;
  imports?: ModuleMetadata['imports'];
  providers?: ModuleMetadata['providers'];
  /** How long in-flight runs may finish on shutdown before they are aborted and requeued. Default 5000. */
  drainTimeoutMs?: number;
  /** How long a cancelled workflow may take to wind down before the kit ends the run anyway. Default 300. */
  abortGraceMs?: number;
  /**
   * How long a redelivered start waits before this worker claims its run:
   * time for the holder to reconnect after a broker blip and keep its run.
   * A crashed worker's runs are taken over after this. Default 3000.
   */
  redeliveryGraceMs?: number;
  /** How long a run waits for the broker to take an event (through reconnects) before it is requeued. Default 60000. */
  publishRetryMs?: number;
  /**
   * How often the worker announces itself (its workflows, runs in progress)
   * on `agent-stream.agent-workers` for the gateways' cluster view. Gateways
   * forget it after 3 missed heartbeats. Default 5000.
   */
  heartbeatIntervalMs?: number;
  /** How `output()`/`stream()` gather deltas into events: window (default 40 ms) and bytes per event (default 16 KiB). */
  output?: OutputCoalescing;
}

export const AGENT_KIT_OPTIONS = Symbol('AGENT_KIT_OPTIONS');
