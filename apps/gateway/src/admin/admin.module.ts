import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { PersistenceModule } from '@app/persistence';
import { CommandsModule } from '../commands';
import { AdminCallLogger } from './admin-call-logger.middleware';
import { AdminRequests } from './admin-requests.service';
import { AdminController } from './admin.controller';
import { AdminGuard } from './admin.guard';

/** The operators' REST API under /admin (docs/protocol.md §3). */
@Module({
  imports: [PersistenceModule, CommandsModule],
  controllers: [AdminController],
  providers: [AdminRequests, AdminGuard],
})
export class AdminModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminCallLogger).forRoutes(AdminController);
  }
}
