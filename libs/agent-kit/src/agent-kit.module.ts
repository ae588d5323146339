import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AgentEventSink } from './agent-event-sink';
import { AGENT_KIT_OPTIONS, type AgentKitOptions } from './agent-kit.options';
import { AgentWorker } from './agent-worker';
import { BrokerEventSink } from './broker-event-sink';
import { WorkerHttpServer } from './worker-http-server';
import { WorkerMetrics } from './worker-metrics';

/**
 * Runs this process's agent workflows: every provider decorated with
 * `@AgentWorkflow`, wherever it is registered, plus `options.workflow`. Needs
 * `AppConfigModule` and `MessagingModule` (both global) in the application.
 */
@Module({})
export class AgentKitModule {
  static forRoot(options: AgentKitOptions): DynamicModule {
    return {
      module: AgentKitModule,
      imports: [DiscoveryModule, ...(options.imports ?? [])],
      providers: [
        ...(options.providers ?? []),
        ...(options.workflow ? [options.workflow] : []),
        { provide: AGENT_KIT_OPTIONS, useValue: options },
        { provide: AgentEventSink, useClass: BrokerEventSink },
        AgentWorker,
        // Health and metrics on AGENT_HTTP_PORT (off when unset).
        WorkerMetrics,
        WorkerHttpServer,
      ],
      exports: [WorkerHttpServer],
    };
  }
}
