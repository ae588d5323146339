import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { PersistenceModule } from '@app/persistence';
import { RequestEventExplorer } from './request-event.explorer';
import { RequestEventHooksPublisher } from './request-event-hooks.publisher';

/** `@OnRequestEvent` for every module of the gateway: the explorer, and the publisher the recording path feeds. */
@Global()
@Module({
  imports: [DiscoveryModule, PersistenceModule],
  providers: [RequestEventHooksPublisher, RequestEventExplorer],
  exports: [RequestEventHooksPublisher],
})
export class RequestEventHooksModule {}
