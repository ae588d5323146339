import { Module } from '@nestjs/common';
import { AgentKitModule } from '@app/agent-kit';
import { AppConfigModule, AppLoggingModule } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { DemoWorkflow } from './demo/demo.workflow';

@Module({
  imports: [AppConfigModule, AppLoggingModule, MessagingModule, AgentKitModule.forRoot({ workflow: DemoWorkflow })],
})
export class AgentsModule {}
