import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Channel, ConsumeMessage } from 'amqplib';
import { agentCommandRoutingKey, CancelRequestCommand, CommandRoutingKeys, Exchanges, FeedbackRequestCommand, StartRequestCommand } from '@app/contracts';
import { AppConfig } from '@app/config';
import { BrokerConsumer, BrokerPublisher, settle } from '@app/messaging';
import { AgentEventSink } from './agent-event-sink';
import { parseCommand, parseForwardedCommand } from './parse-command';
import { AgentWorkflowMeta, type AgentWorkflow } from './agent-workflow';
import { AGENT_KIT_OPTIONS, type AgentKitOptions } from './agent-kit.options';
import { RunClaims } from './run-claims';
import { RunRegistry, type StartResult } from './run-registry';
import { planWorkflowRoutes, type FoundWorkflow, type WorkflowRoute } from './workflow-routes';
import { WorkerHeartbeat } from './worker-heartbeat';
import { WorkerMetrics } from './worker-metrics';

const DEFAULT_DRAIN_MS = 5000;
const DEFAULT_REDELIVERY_GRACE_MS = 3000;
/** Pause before requeueing a run the broker would not take the events of: no hot loop while it is unwell. */
const REQUEUE_DELAY_MS = 1000;
/** Pause before handing back a start whose run another worker holds: it travels on until it reaches the holder. */
const HAND_BACK_DELAY_MS = 300;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Takes starts from the shared durable queue of each of its workflows
 * (`request.start.<workflow>`, and `request.start` for the default one), all
 * on one channel with prefetch = AGENT_CONCURRENCY across them, acked when
 * the run ended, so a crashed worker's runs are redelivered; and
 * `request.cancel` / `request.feedback` / extension commands from a queue of
 * its own (broadcast: the worker holding the run acts, the others ignore them).
 * A start cancelled before any worker took it is ended at once, never run
 * (the gateway's cancel marker, see mayTake).
 *
 * Raw BrokerConsumer deliveries rather than `@Subscribe`: a start stays
 * unacked for its whole run, may be handed back to the queue for another
 * worker (claims, below), and all workflows' queues share one prefetch —
 * none of which a handler that is acked when it returns can express.
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
  private startConsumer?: { channel: Channel; consumerTags: string[] };
  /** By routing key: `request.start` (default workflow) and `request.start.<name>`. */
  private routes = new Map<string, WorkflowRoute>();
  private heartbeat?: WorkerHeartbeat;

  constructor(
    sink: AgentEventSink,
    private readonly consumer: BrokerConsumer,
    private readonly config: AppConfig,
    @Inject(AGENT_KIT_OPTIONS) private readonly options: AgentKitOptions,
    amqp: AmqpConnection,
    private readonly discovery: DiscoveryService,
    private readonly publisher: BrokerPublisher,
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {
    this.registry = new RunRegistry(sink, { abortGraceMs: options.abortGraceMs, output: options.output });
    this.claims = new RunClaims(() => amqp.managedConnection.connection);
  }

  async onApplicationBootstrap(): Promise<void> {
    const found = this.findWorkflows();
    const routes = planWorkflowRoutes(found);
    this.routes = new Map(routes.map((route) => [route.routingKey, route]));
    // Commands first: a cancel for a run this worker is about to take must not slip past. `request.*`
    // takes cancel, feedback and every extension command (`request.<name>`) without knowing their
    // names in advance; it also brings a copy of each default-workflow start, which onCommand skips.
    await this.consumer.consume(
      {
        name: 'agent-commands',
        queueOptions: { exclusive: true, autoDelete: true, durable: false },
        bindings: [{ exchange: Exchanges.agentCommands, routingKey: agentCommandRoutingKey('*') }],
        prefetch: 100,
      },
      (message, channel) => this.onCommand(message, channel),
    );
    const [first, ...more] = routes.map(({ queue, routingKey }) => ({
      queue,
      queueOptions: { durable: true },
      bindings: [{ exchange: Exchanges.agentCommands, routingKey }],
    }));
    await this.consumer.consume(
      {
        name: 'agent-starts',
        ...first,
        moreQueues: more,
        prefetch: this.config.AGENT_CONCURRENCY,
        onAttached: (attached) => {
          this.startConsumer = attached;
          // A new connection lost the old one's claims: declare them again before another worker's grace ends.
          void this.reclaim();
        },
      },
      (message, channel) => void this.onStart(message, channel),
    );
    this.logger.log(`serving ${routes.map((r) => r.routingKey).join(', ')}`);
    // Announced once it takes starts, so a worker the console shows is one a start can reach.
    this.heartbeat = new WorkerHeartbeat(
      this.publisher,
      {
        workflows: found
          .map(({ name, isDefault }) => ({ ...(name === undefined ? {} : { name }), default: isDefault || name === undefined }))
          .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '')),
        runsInProgress: () => this.registry.active,
      },
      this.options.heartbeatIntervalMs,
    );
    await this.heartbeat.start();
  }

  /** Every `@AgentWorkflow` provider of the app, plus an undecorated `options.workflow` (the default). */
  private findWorkflows(): FoundWorkflow[] {
    const found: FoundWorkflow[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as AgentWorkflow | undefined;
      if (!instance || !wrapper.metatype) continue;
      const meta = this.discovery.getMetadataByDecorator(AgentWorkflowMeta, wrapper);
      const legacy = this.options.workflow !== undefined && wrapper.metatype === this.options.workflow;
      if (!meta && !legacy) continue;
      if (!wrapper.isDependencyTreeStatic()) throw new Error(`@AgentWorkflow ${wrapper.name}: workflows must be singletons (not request-scoped or transient)`);
      found.push({ workflow: instance, label: String(wrapper.name), name: meta?.name, isDefault: meta?.default === true });
    }
    return found;
  }

  /** Stop taking starts, let running ones finish for a while, then abort and requeue the rest. */
  async onModuleDestroy(): Promise<void> {
    this.draining = true;
    this.stopTakingStarts();
    await this.heartbeat?.draining();
    await this.drain();
    await this.heartbeat?.stop();
  }

  private async drain(): Promise<void> {
    if (this.inFlight.size === 0) return;
    const drainMs = this.options.drainTimeoutMs ?? DEFAULT_DRAIN_MS;
    this.logger.log(`waiting up to ${drainMs} ms for ${this.inFlight.size} run(s) to end`);
    if (await this.allSettledWithin(drainMs)) return;
    this.logger.warn(`aborting ${this.inFlight.size} run(s) still going; their starts return to the queue`);
    this.registry.interruptAll();
    await this.allSettledWithin((this.options.abortGraceMs ?? 300) + 1000);
  }

  private async onStart(message: ConsumeMessage, channel: Channel): Promise<void> {
    if (this.draining) {
      this.stopTakingStarts();
      settle(channel, (c) => c.nack(message, false, true));
      return;
    }
    const route = this.routes.get(message.fields.routingKey);
    let command: StartRequestCommand;
    try {
      // Only when someone bound other keys to our queues by hand.
      if (!route) throw new Error(`no workflow here for routing key ${message.fields.routingKey}`);
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
    const run = this.registry.start(command, route.workflow, route.name);
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
      // Cancelled while its start waited in the queue: the broadcast cancel reached no worker then,
      // the gateway's durable marker tells. The run ends `cancelled` without running the workflow.
      // A cancel accepted after this look reaches this worker by broadcast (its command queue was
      // bound before it took any start) and the registry remembers it until the run is registered.
      if (await this.claims.cancelledBeforeStart(requestId)) {
        this.logger.log({ requestId }, `request ${requestId} was cancelled before it started; ending it without running it`);
        this.registry.cancel({ requestId });
      }
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
      } else if (routingKey !== CommandRoutingKeys.start) {
        this.onExtensionCommand(routingKey.slice(agentCommandRoutingKey('').length), message.content);
      }
    } catch (error) {
      this.logger.warn(`ignoring an invalid ${routingKey}: ${(error as Error).message}`);
    }
  }

  private onExtensionCommand(name: string, content: Buffer): void {
    const body = parseForwardedCommand(content);
    const { requestId } = body;
    this.registry.command(requestId, name, body).then(
      (handled) => {
        if (handled > 0) this.logger.log({ requestId }, `command ${name} handled by run ${requestId}`);
      },
      (error: unknown) => this.logger.warn({ requestId }, `run ${requestId}'s handler of command ${name} failed: ${(error as Error)?.message ?? String(error)}`),
    );
  }

  /**
   * BrokerConsumer offers no "stop consuming"; the consumer tags it reports
   * let us cancel the consumers ourselves. Deliveries already on their way
   * are requeued by onStart.
   */
  private stopTakingStarts(): void {
    const current = this.startConsumer;
    if (!current) return;
    this.startConsumer = undefined;
    for (const tag of current.consumerTags) current.channel.cancel(tag).catch(() => undefined);
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
