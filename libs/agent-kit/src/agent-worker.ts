import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { CancelRequestCommand, CommandRoutingKeys, Exchanges, FeedbackRequestCommand, Queues, StartRequestCommand } from '@app/contracts';
import { AppConfig } from '@app/config';
import { BrokerConsumer, settle } from '@app/messaging';
import { AgentEventSink } from './agent-event-sink';
import { parseCommand } from './parse-command';
import type { AgentWorkflow } from './agent-workflow';
import { AGENT_KIT_OPTIONS, AGENT_WORKFLOW, type AgentKitOptions } from './agent-kit.options';
import { RunRegistry, type StartResult } from './run-registry';

const DEFAULT_DRAIN_MS = 5000;
/** Pause before requeueing a run the broker would not take the events of: no hot loop while it is unwell. */
const REQUEUE_DELAY_MS = 1000;

/**
 * Takes `request.start` from the shared queue (prefetch = AGENT_CONCURRENCY,
 * acked when the run ended, so a crashed worker's runs are redelivered) and
 * `request.cancel` / `request.feedback` from a queue of its own (broadcast:
 * the worker holding the run acts, the others ignore them).
 */
@Injectable()
export class AgentWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AgentWorker.name);
  private readonly registry: RunRegistry;
  private readonly inFlight = new Set<Promise<void>>();
  private draining = false;
  private startConsumer?: { channel: Channel; consumerTag: string };

  constructor(
    @Inject(AGENT_WORKFLOW) workflow: AgentWorkflow,
    sink: AgentEventSink,
    private readonly consumer: BrokerConsumer,
    private readonly config: AppConfig,
    @Inject(AGENT_KIT_OPTIONS) private readonly options: AgentKitOptions,
  ) {
    this.registry = new RunRegistry(workflow, sink, { abortGraceMs: options.abortGraceMs });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Commands first: a cancel for a run this worker is about to take must not slip past.
    await this.consumer.consume(
      {
        name: 'agent-commands',
        queueOptions: { exclusive: true, autoDelete: true, durable: false },
        bindings: [CommandRoutingKeys.cancel, CommandRoutingKeys.feedback].map((routingKey) => ({ exchange: Exchanges.agentCommands, routingKey })),
        prefetch: 100,
      },
      (message, channel) => this.onCommand(message, channel),
    );
    await this.consumer.consume(
      {
        name: 'agent-starts',
        queue: Queues.agentStart,
        queueOptions: { durable: true },
        bindings: [{ exchange: Exchanges.agentCommands, routingKey: CommandRoutingKeys.start }],
        prefetch: this.config.AGENT_CONCURRENCY,
      },
      (message, channel) => this.onStart(message, channel),
    );
  }

  /** Stop taking starts, let running ones finish for a while, then abort and requeue the rest. */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    this.stopTakingStarts();
    if (this.inFlight.size === 0) return;
    const drainMs = this.options.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
    this.logger.log(`waiting up to ${drainMs} ms for ${this.inFlight.size} run(s) to end`);
    if (await this.allSettledWithin(drainMs)) return;
    this.logger.warn(`aborting ${this.inFlight.size} run(s) still going; their starts return to the queue`);
    this.registry.interruptAll();
    await this.allSettledWithin((this.options.abortGraceMs ?? 300) + 1000);
  }

  private onStart(message: ConsumeMessage, channel: Channel): void {
    this.startConsumer = { channel, consumerTag: message.fields.consumerTag };
    if (this.draining) {
      this.stopTakingStarts();
      settle(channel, (c) => c.nack(message, false, true));
      return;
    }
    let command: StartRequestCommand;
    try {
      command = parseCommand(StartRequestCommand, message.content);
    } catch (error) {
      // No requeue: it would come back just as invalid. The queue has no dead-letter exchange, so it is dropped here.
      this.logger.warn(`dropping an invalid request.start: ${(error as Error).message}`);
      settle(channel, (c) => c.nack(message, false, false));
      return;
    }
    const done = this.registry
      .start(command)
      .catch((error: unknown): StartResult => {
        this.logger.error({ requestId: command.requestId }, `run ${command.requestId} broke: ${(error as Error).message}`);
        return 'interrupted';
      })
      .then((result) => this.settleStart(command.requestId, result, message, channel));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  private async settleStart(requestId: string, result: StartResult, message: ConsumeMessage, channel: Channel): Promise<void> {
    if (result !== 'interrupted') {
      this.logger.log({ requestId, result }, `run ${requestId} ended ${result}`);
      settle(channel, (c) => c.ack(message));
      return;
    }
    this.logger.warn({ requestId }, `run ${requestId} interrupted; its start goes back to the queue`);
    if (!this.draining) await new Promise((resolve) => setTimeout(resolve, REQUEUE_DELAY_MS));
    settle(channel, (c) => c.nack(message, false, true));
  }

  private onCommand(message: ConsumeMessage, channel: Channel): void {
    // Broadcast: acked at once whether or not this worker holds the run.
    settle(channel, (c) => c.ack(message));
    const { routingKey } = message.fields;
    try {
      if (routingKey === CommandRoutingKeys.cancel) {
        const command = parseCommand(CancelRequestCommand, message.content);
        if (this.registry.cancel(command)) this.logger.log({ requestId: command.requestId }, `cancelling run ${command.requestId}`);
      } else if (routingKey === CommandRoutingKeys.feedback) {
        const command = parseCommand(FeedbackRequestCommand, message.content);
        if (this.registry.feedback(command)) this.logger.log({ requestId: command.requestId, questionId: command.questionId }, `answer to ${command.questionId} delivered to run ${command.requestId}`);
      }
    } catch (error) {
      this.logger.warn(`ignoring an invalid ${routingKey}: ${(error as Error).message}`);
    }
  }

  /**
   * BrokerConsumer offers no "stop consuming"; the consumer tag of any
   * delivery lets us cancel the consumer ourselves. Deliveries already on
   * their way are requeued by onStart.
   */
  private stopTakingStarts(): void {
    const current = this.startConsumer;
    if (!current) return;
    this.startConsumer = undefined;
    current.channel.cancel(current.consumerTag).catch(() => undefined);
  }

  private async allSettledWithin(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
    const settled = Promise.allSettled([...this.inFlight]).then(() => true);
    try {
      return await Promise.race([settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
