import type { ModuleMetadata, Type } from '@nestjs/common';
import type { AgentWorkflow } from './agent-workflow';

export interface AgentKitOptions {
  /** The author's class; built by Nest, so it may inject providers of `imports`/`providers`. */
  workflow: Type<AgentWorkflow>;
  imports?: ModuleMetadata['imports'];
  providers?: ModuleMetadata['providers'];
  /** How long in-flight runs may finish on shutdown before they are aborted and requeued. Default 5000. */
  drainTimeoutMs?: number;
  /** How long a cancelled workflow may take to wind down before the kit ends the run anyway. Default 300. */
  abortGraceMs?: number;
}

export const AGENT_KIT_OPTIONS = Symbol('AGENT_KIT_OPTIONS');
export const AGENT_WORKFLOW = Symbol('AGENT_WORKFLOW');
