import { Module, type DynamicModule } from '@nestjs/common';
import { AgentEventSink } from './agent-event-sink';
import { AGENT_KIT_OPTIONS, AGENT_WORKFLOW, type AgentKitOptions } from './agent-kit.options';
import { AgentWorker } from './agent-worker';
import { BrokerEventSink } from './broker-event-sink';
import { WorkerHttpServer } from './worker-http-server';
import { WorkerMetrics } from './worker-metrics';

/**
 * Runs one workflow class on this process. Needs `AppConfigModule` and
 * `MessagingModule` (both global) in the application.
 */
@Module({})
export class AgentKitModule {
  static forRoot(options: AgentKitOptions): DynamicModule {
    return {
      module: AgentKitModule,
      imports: options.imports ?? [],
      providers: [
        ...(options.providers ?? []),
        { provide: AGENT_KIT_OPTIONS, useValue: options },
        { provide: AGENT_WORKFLOW, useClass: options.workflow },
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
