import { Injectable, Module, type INestApplicationContext, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AgentKitModule, AgentWorkflow, sleep, type AgentReporter, type AgentRun } from '@app/agent-kit';
import { AppConfigModule, AppLoggingModule, bootstrapProcess } from '@app/config';
import { MessagingModule } from '@app/messaging';

/** Stand-in for a real search API: answers after 150 ms. Swap in your own client. */
@Injectable()
export class WebSearch {
  async search(query: string, signal: AbortSignal): Promise<string[]> {
    await sleep(150, signal); // rejects when the signal aborts: a timeout or a cancel
    return [1, 2, 3].map((n) => `https://example.org/search?q=${encodeURIComponent(query)}&hit=${n}`);
  }
}

const SEARCH_ATTEMPTS = 3;

/** Searches, summarises after asking the user how deep to go. Runs the starts that name `workflow: 'web-research'`. */
@AgentWorkflow('web-research')
export class ResearchWorkflow implements AgentWorkflow {
  readonly name = 'research';

  constructor(private readonly web: WebSearch) {}

  async run(run: AgentRun): Promise<unknown> {
    const agent = run.agent('research-agent'); // its progress events are typed research.step.progress

    // Step 1: search, retried when it times out.
    await agent.progress({ stepOrder: 1, status: 'running', tool: 'web.search' });
    const sources = await this.searchWithRetries(run, agent);
    await agent.progress({ stepOrder: 1, status: 'completed', tool: 'web.search', result: { sources: sources.length } });

    // A question: resolves with the user's `feedback`; rejects on cancel or after timeoutMs.
    const answer = await agent.ask(`Found ${sources.length} sources. How deep should the summary go?`, {
      options: ['quick', 'thorough'],
      timeoutMs: 10 * 60_000,
    });
    const depth = answer === 'thorough' ? 'thorough' : 'quick';

    // Step 2: summarise. sleep() stands in for a model call; it rejects at once on cancel.
    await agent.progress({ stepOrder: 2, status: 'running', tool: 'llm.summarise', depth });
    await sleep(depth === 'thorough' ? 400 : 100, run.signal);
    const summary = `A ${depth} summary of ${sources.length} sources on "${run.userQuery}"`;
    await agent.progress({ stepOrder: 2, status: 'completed', tool: 'llm.summarise', result: summary });

    await agent.completed({ steps: 2 });
    return { summary, sources }; // becomes request.completed { status: 'completed', result }
  }

  /** Each attempt gets twice the time of the one before, after a pause that doubles too. */
  private async searchWithRetries(run: AgentRun, agent: AgentReporter): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      const timeoutMs = 100 * 2 ** (attempt - 1);
      try {
        return await this.web.search(run.userQuery, AbortSignal.any([run.signal, AbortSignal.timeout(timeoutMs)]));
      } catch (error) {
        if (run.signal.aborted) throw error; // cancelled: the kit ends the request `cancelled`
        if (attempt === SEARCH_ATTEMPTS) {
          const message = `web.search failed ${attempt} times: ${(error as Error).message}`;
          await agent.progress({ stepOrder: 1, status: 'failed', tool: 'web.search', error: message });
          await agent.error(message, 1); // the kit then ends the request `failed` without another error
          throw new Error(message);
        }
        const retryInMs = 50 * 2 ** (attempt - 1);
        await agent.progress({ stepOrder: 1, status: 'running', tool: 'web.search', attempt: attempt + 1, retryInMs });
        await sleep(retryInMs, run.signal);
      }
    }
  }
}

/** The whole worker: configuration, logs, the broker, and the kit running the workflow. */
@Module({
  imports: [
    AppConfigModule,
    AppLoggingModule,
    MessagingModule,
    AgentKitModule.forRoot({ providers: [ResearchWorkflow, WebSearch] }), // runs every @AgentWorkflow provider
  ],
})
export class ResearchAgentModule {}

/** `startupLogger` (from bootstrapProcess: JSON lines) logs Nest's start-up, before the app's own logger. */
export async function startResearchAgent(startupLogger?: LoggerService): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(ResearchAgentModule, { bufferLogs: startupLogger === undefined, logger: startupLogger });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks(); // SIGTERM: finish running requests for up to 5 s, requeue the rest
  return app;
}

if (require.main === module) void bootstrapProcess('research-agent', async (_config, logger) => void (await startResearchAgent(logger)));
