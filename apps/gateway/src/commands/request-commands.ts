import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import {
  CommandError,
  CommandRoutingKeys,
  ErrorCode,
  Exchanges,
  isFinalStatus,
  startRoutingKey,
  type CancelRequestCommand,
  type EventDraft,
  type FeedbackCommand,
  type FeedbackRequestCommand,
  type RecordedMessage,
  type RequestStatus,
  type StartCommand,
  type StartRequestCommand,
  type StatusFields,
} from '@app/contracts';
import { mayAccess, type Principal } from '@app/auth';
import { BrokerPublisher, BrokerUnavailableError, UnroutableMessageError } from '@app/messaging';
import { RequestStore, type RequestHeader } from '@app/persistence';
import { GatewayMetrics } from '../metrics';
import { RecordedEventsPublisher } from '../recording';
import { CancelMarkers } from './cancel-markers';

function statusEvent(requestId: string, fields: StatusFields): EventDraft {
  return { type: 'status', requestId, eventId: `gateway:${randomUUID()}`, ...fields };
}

/** The caller is neither the owner nor an admin. */
export const forbidden = () => new CommandError(ErrorCode.FORBIDDEN, 'this request belongs to another user');
const notFound = (what = 'no such request') => new CommandError(ErrorCode.NOT_FOUND, what);
const noSuchWorkflow = (workflow: string) => {
  const reason = `no agent serves workflow '${workflow}'`;
  return new CommandError(ErrorCode.NOT_FOUND, reason, [{ field: 'workflow', reasons: [reason] }]);
};

/**
 * What `start`, `cancel` and `feedback` do, for sockets and HTTP alike.
 * Each records its status change through the store (same log, same `seq`)
 * and tells the agents so that a failure leaves nothing half-done: the
 * client gets UNAVAILABLE and may retry.
 */
@Injectable()
export class RequestCommands {
  private readonly logger = new Logger(RequestCommands.name);

  constructor(
    private readonly store: RequestStore,
    private readonly broker: BrokerPublisher,
    private readonly recorded: RecordedEventsPublisher,
    private readonly metrics: GatewayMetrics,
    private readonly markers: CancelMarkers,
  ) {}

  async start(principal: Principal, command: StartCommand): Promise<{ created: boolean; request: RequestHeader }> {
    // Refused at once while the broker is away: nothing is recorded.
    this.requireBroker();
    const { requestId, userQuery, context = {}, workflow } = command;
    const owner = principal.userId;
    const { created, request, recorded } = await this.store.startRequest(
      { requestId, owner, userQuery, context },
      statusEvent(requestId, { status: 'queued', owner }),
    );
    if (!created) {
      if (request.owner !== owner) throw new CommandError(ErrorCode.CONFLICT, 'this request id belongs to another user');
      return { created, request };
    }
    // The row must be committed before the agents hear of it (their first event
    // needs it), so a failed hand-over is undone rather than rolled back; the
    // `queued` event is fanned out only after it, so no watcher saw it. A named
    // workflow's start is `mandatory`: when no queue is bound to its key the
    // broker returns it, and the undone start is NOT_FOUND with nothing recorded.
    try {
      const start: StartRequestCommand = { requestId, userQuery, context, owner, ...(workflow === undefined ? {} : { workflow }) };
      await this.broker.publish(Exchanges.agentCommands, startRoutingKey(workflow), start, { mandatory: workflow !== undefined });
    } catch (error) {
      await this.store.deleteRequest(requestId);
      if (error instanceof UnroutableMessageError) throw noSuchWorkflow(workflow as string);
      throw error;
    }
    await this.fanOut(recorded);
    return { created, request: { ...request, status: 'queued' } };
  }

  /** Returns `cancelling`, or the final status when the request already ended. */
  async cancel(principal: Principal, requestId: string): Promise<RequestStatus> {
    const result = await this.store.transition(
      requestId,
      (request) => {
        if (!mayAccess(principal, request.owner)) throw forbidden();
        if (isFinalStatus(request.status)) return [];
        this.requireBroker();
        // A repeated cancel records nothing but is sent again: it reaches the agents after a lost publish.
        if (request.status === 'cancelling') return [];
        const cancelling = statusEvent(requestId, { status: 'cancelling', reason: `cancelled by ${principal.userId}` });
        // No agent has reported yet, and maybe none ever takes the start (no worker running): end it
        // here. A run that did start is stopped by the cancel below; what it still sends is dropped.
        if (request.status !== 'queued') return [cancelling];
        return [cancelling, { type: 'request.completed', requestId, eventId: `gateway:${randomUUID()}`, status: 'cancelled' }];
      },
      async (request) => {
        if (isFinalStatus(request.status)) return;
        // The marker first: a worker that takes the start after it sees it; one that took it before
        // is up, and gets the broadcast below.
        await this.markers.mark(requestId);
        const cancel: CancelRequestCommand = { requestId };
        await this.broker.publish(Exchanges.agentCommands, CommandRoutingKeys.cancel, cancel);
      },
    );
    if (!result) throw notFound();
    if (isFinalStatus(result.request.status)) return result.request.status;
    await this.fanOut(result.recorded);
    return 'cancelling';
  }

  async feedback(principal: Principal, command: FeedbackCommand): Promise<void> {
    const { requestId, questionId, answer } = command;
    const result = await this.store.transition(
      requestId,
      (request, question) => {
        if (!mayAccess(principal, request.owner)) throw forbidden();
        if (isFinalStatus(request.status)) throw new CommandError(ErrorCode.CONFLICT, `the request has already ${request.status}`);
        if (question === 'never asked') throw notFound('no such question on this request');
        if (question === 'answered') throw new CommandError(ErrorCode.CONFLICT, 'this question was already answered');
        this.requireBroker();
        // An answer during a cancel must not make the request look as if it runs again.
        const status = request.status === 'cancelling' ? 'cancelling' : 'running';
        return [statusEvent(requestId, { status, reason: 'question answered', questionId })];
      },
      async () => {
        // Sent while the row is locked: the agent's next event is recorded after this answer,
        // and when the publish fails the question stays open for a retry.
        const feedback: FeedbackRequestCommand = { requestId, questionId, answer };
        await this.broker.publish(Exchanges.agentCommands, CommandRoutingKeys.feedback, feedback);
      },
      { questionId },
    );
    if (!result) throw notFound();
    await this.fanOut(result.recorded);
  }

  /**
   * The command is done once recorded and handed to the agents; a watcher
   * that misses this fan-out gets the events from the log (gap repair, rejoin).
   */
  private async fanOut(recorded: RecordedMessage[]): Promise<void> {
    this.metrics.eventsRecorded(recorded);
    try {
      await this.recorded.publish(recorded);
    } catch (error) {
      this.logger.warn(`fan-out of ${recorded.length} recorded event(s) failed: ${(error as Error).message}`);
    }
  }

  private requireBroker(): void {
    if (!this.broker.connected) throw new BrokerUnavailableError('the message broker is not connected');
  }
}
