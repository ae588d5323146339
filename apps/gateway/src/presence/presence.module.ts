import { Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { PresenceReporter } from './presence-reporter';
import { SocketCensus } from './socket-census';

/** This instance's socket counts, and their report to the shared presence table. */
@Module({
  imports: [PersistenceModule],
  providers: [SocketCensus, PresenceReporter],
  exports: [SocketCensus, PresenceReporter],
})
export class PresenceModule {}
