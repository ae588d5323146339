import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '@app/auth';
import { AppConfigModule, AppLoggingModule } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { PersistenceModule } from '@app/persistence';
import { RequestCommands } from './commands';
import { LiveDelivery } from './delivery';
import { ProgressPageController } from './progress-page/progress-page.controller';
import { HealthController } from './health/health.controller';
import { EventRecorder, RecordedEventsPublisher } from './recording';
import { StreamGateway } from './socket';

@Module({
  imports: [AppConfigModule, AppLoggingModule, MessagingModule, PersistenceModule, AuthModule, TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController, ProgressPageController],
  providers: [RecordedEventsPublisher, EventRecorder, LiveDelivery, RequestCommands, StreamGateway],
})
export class GatewayModule {}
