import { Module } from '@nestjs/common';
import { AgentKitModule } from '@app/agent-kit';
import { AppConfigModule, AppLoggingModule } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { DemoWorkflow } from './demo/demo.workflow';
import { ResearchWorkflow } from './research/research.workflow';

/** The demo worker: two workflows, `demo` (also the default) and `research`. */
@Module({
  imports: [AppConfigModule, AppLoggingModule, MessagingModule, AgentKitModule.forRoot({ providers: [DemoWorkflow, ResearchWorkflow] })],
})
export class AgentsModule {}
