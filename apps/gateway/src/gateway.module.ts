import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '@app/auth';
import { AppConfigModule, AppLoggingModule } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { PersistenceModule } from '@app/persistence';
import { AdminModule } from './admin';
import { CommandsModule } from './commands';
import { LiveDelivery } from './delivery';
import { ProgressPageController } from './progress-page/progress-page.controller';
import { HealthController } from './health/health.controller';
import { RequestEventHooksModule } from './hooks';
import { MetricsModule } from './metrics';
import { PresenceModule } from './presence';
import { batchRecorderProvider, EventRecorder, IngestShards } from './recording';
import { RetentionModule } from './retention';
import { StreamGateway } from './socket';

@Module({
  imports: [
    AppConfigModule,
    AppLoggingModule,
    MessagingModule,
    PersistenceModule,
    AuthModule,
    TerminusModule.forRoot({ logger: false }),
    CommandsModule,
    MetricsModule,
    RequestEventHooksModule,
    PresenceModule,
    RetentionModule,
    AdminModule,
  ],
  controllers: [HealthController, ProgressPageController],
  providers: [EventRecorder, batchRecorderProvider, IngestShards, LiveDelivery, StreamGateway],
})
export class GatewayModule {}
