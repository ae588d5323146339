import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Channel, ConsumeMessage } from 'amqplib';
import { CancelRequestCommand, CommandRoutingKeys, Exchanges, FeedbackRequestCommand, Queues, StartRequestCommand } from '@app/contracts';
import { AppConfig } from '@app/config';
import { BrokerConsumer, settle } from '@app/messaging';
import { AgentEventSink } from './agent-event-sink';
import { parseCommand } from './parse-command';
import type { AgentWorkflow } from './agent-workflow';
import { AGENT_KIT_OPTIONS, AGENT_WORKFLOW, type AgentKitOptions } from './agent-kit.options';
import { RunClaims } from './run-claims';
import { RunRegistry, type StartResult } from './run-registry';
import { WorkerMetrics } from './worker-metrics';

const DEFAULT_DRAIN_MS = 5000;
const DEFAULT_REDELIVERY_GRACE_MS = 3000;
/** Pause before requeueing a run the broker would not take the events of: no hot loop while it is unwell. */
const REQUEUE_DELAY_MS = 1000;
/** Pause before handing back a start whose run another worker holds: it travels on until it reaches the holder. */
const HAND_BACK_DELAY_MS = 300;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes `request.start` from the shared queue (prefetch = AGENT_CONCURRENCY,
 * acked when the run ended, so a crashed worker's runs are redelivered) and
 * `request.cancel` / `request.feedback` from a queue of its own (broadcast:
 * the worker holding the run acts, the others ignore them).
 *
 * A run is claimed on the broker before it starts (RunClaims): a start that
 * comes back while its run is alive elsewhere — the holder's channel dropped
 * in a broker blip — is handed back until it reaches the holder, which keeps
 * its run going and acks it at the end; a start whose holder died is taken
 * over. Why this way: libs/agent-kit/README.md, "Broker blips and crashes".
 */
@Injectable()
export class AgentWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AgentWorker.name);
  private readonly registry: RunRegistry;
  private readonly claims: RunClaims;
  private readonly inFlight = new Set<Promise<void>>();
  private draining = false;
  private startConsumer?: { channel: Channel; consumerTag: string };

  constructor(
    @Inject(AGENT_WORKFLOW) workflow: AgentWorkflow,
    sink: AgentEventSink,
    private readonly consumer: BrokerConsumer,
    private readonly config: AppConfig,
    @Inject(AGENT_KIT_OPTIONS) private readonly options: AgentKitOptions,
    amqp: AmqpConnection,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {
    this.registry = new RunRegistry(workflow, sink, { abortGraceMs: options.abortGraceMs });
    this.claims = new RunClaims(() => amqp.managedConnection.connection);
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
        // A new connection lost the old one's claims: declare them again before another worker's grace ends.
        onAttached: () => void this.reclaim(),
      },
      (message, channel) => void this.onStart(message, channel),
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

  private async onStart(message: ConsumeMessage, channel: Channel): Promise<void> {
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
    const { requestId } = command;
    // Ours (running, or finished while this delivery was away): it settles with the run, no claim needed.
    if (!this.registry.holds(requestId) && !this.claims.isHeld(requestId)) {
      if (!(await this.mayTake(requestId, message, channel))) return;
    }
    const run = this.registry.start(command);
    const done = (this.metrics?.track(requestId, run) ?? run)
      .catch((error: unknown): StartResult => {
        this.logger.error({ requestId }, `run ${requestId} broke: ${(error as Error).message}`);
        return 'interrupted';
      })
      .then((result) => this.settleStart(requestId, result, message, channel));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /**
   * Claims the run, or hands the start back (true when this worker may run it).
   * A redelivered start first waits a grace period, so that a holder whose
   * connection dropped has time to reconnect and claim its run again.
   */
  private async mayTake(requestId: string, message: ConsumeMessage, channel: Channel): Promise<boolean> {
    let claim: Awaited<ReturnType<RunClaims['claim']>>;
    try {
      // Held by a live worker: no need to wait the grace, hand it back at once.
      if (message.fields.redelivered && !(await this.claims.heldElsewhere(requestId))) {
        await wait(this.options.redeliveryGraceMs ?? DEFAULT_REDELIVERY_GRACE_MS);
      }
      if (this.draining) {
        settle(channel, (c) => c.nack(message, false, true));
        return false;
      }
      // Another delivery of the same start may have been taken here meanwhile: this one joins it.
      if (this.registry.holds(requestId) || this.claims.isHeld(requestId)) return true;
      claim = await this.claims.claim(requestId);
    } catch (error) {
      this.logger.warn({ requestId }, `cannot claim run ${requestId} (${(error as Error).message}); its start goes back to the queue`);
      await wait(REQUEUE_DELAY_MS);
      settle(channel, (c) => c.nack(message, false, true));
      return false;
    }
    if (claim === 'claimed') {
      this.logger.log({ requestId }, `taking run ${requestId}`);
      return true;
    }
    this.logger.log({ requestId }, `run ${requestId} is alive on another worker; handing its start back`);
    await wait(HAND_BACK_DELAY_MS);
    settle(channel, (c) => c.nack(message, false, true));
    return false;
  }

  /**
   * Acks a finished run's start and releases its claim. When this delivery's
   * channel is gone (a broker blip), the claim is kept: the start comes back
   * to this worker, which acks it then ('already-finished').
   */
  private async settleStart(requestId: string, result: StartResult, message: ConsumeMessage, channel: Channel): Promise<void> {
    if (result !== 'interrupted') {
      if (settle(channel, (c) => c.ack(message))) {
        this.logger.log({ requestId, result }, `run ${requestId} ended ${result}`);
        await this.claims.release(requestId);
      } else {
        this.logger.log({ requestId, result }, `start of run ${requestId} (${result}) went back to the queue with its channel; acked when it returns`);
      }
      return;
    }
    this.logger.warn({ requestId }, `run ${requestId} interrupted; its start goes back to the queue`);
    await this.claims.release(requestId);
    if (!this.draining) await wait(REQUEUE_DELAY_MS);
    settle(channel, (c) => c.nack(message, false, true));
  }

  private async reclaim(): Promise<void> {
    for (const requestId of await this.claims.reclaimAll()) {
      this.logger.warn(`run ${requestId} was taken over by another worker while this one was disconnected; stopping it here`);
      this.registry.interrupt(requestId);
    }
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
