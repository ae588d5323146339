import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PersistenceModule } from '@app/persistence';
import { RecordedEventsPublisher } from '../recording';
import { AgentCommandForwarder } from './agent-command-forwarder';
import { CancelMarkers } from './cancel-markers';
import { RequestCommands } from './request-commands';
import { StreamCommandRegistry } from './stream-command-registry';

/**
 * The command path shared by the socket gateway and the admin API, and the
 * `@StreamCommand` registry. Global, so that an extension module's command
 * handlers can inject AgentCommandForwarder without importing our modules.
 */
@Global()
@Module({
  imports: [PersistenceModule, DiscoveryModule],
  providers: [RequestCommands, RecordedEventsPublisher, CancelMarkers, AgentCommandForwarder, StreamCommandRegistry],
  exports: [RequestCommands, RecordedEventsPublisher, AgentCommandForwarder, StreamCommandRegistry],
})
export class CommandsModule {}
