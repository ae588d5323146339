import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { CommandsModule } from '../commands';
import { PresenceModule } from '../presence';
import { AdminCallLogger } from './admin-call-logger.middleware';
import { AdminClusterController } from './admin-cluster.controller';
import { AdminCluster } from './admin-cluster.service';
import { AdminDeadLettersController } from './admin-dead-letters.controller';
import { AdminRequests } from './admin-requests.service';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';
import { AgentWorkerDirectory } from './agent-worker-directory';
import { DeadLetterQueue } from './dead-letter-queue';

/** The operators' REST API under /admin (docs/protocol.md §3). */
@Module({
  imports: [PersistenceModule, CommandsModule, PresenceModule],
  controllers: [AdminController, AdminClusterController, AdminDeadLettersController],
  providers: [AdminRequests, AdminGuard, AdminCluster, DeadLetterQueue, AgentWorkerDirectory],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminCallLogger).forRoutes(AdminController, AdminClusterController, AdminDeadLettersController);
  }
}
