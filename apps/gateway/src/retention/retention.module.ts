import { Module } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { RetentionJob } from './retention-job';

/** The periodic purge of old finished requests (RETENTION_DAYS). */
@Module({
  imports: [PersistenceModule],
  providers: [RetentionJob],
  exports: [RetentionJob],
})
export class RetentionModule {}
