import { Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { RecordedEventsPublisher } from '../recording';
import { RequestCommands } from './request-commands';

/** The command path shared by the socket gateway and the admin API. */
@Module({
  imports: [PersistenceModule],
  providers: [RequestCommands, RecordedEventsPublisher],
  exports: [RequestCommands, RecordedEventsPublisher],
})
export class CommandsModule {}
