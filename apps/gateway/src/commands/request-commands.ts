import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  CommandError,
  CommandRoutingKeys,
  ErrorCode,
  Exchanges,
  isFinalStatus,
  type CancelRequestCommand,
  type EventDraft,
  type FeedbackCommand,
  type FeedbackRequestCommand,
  type RequestStatus,
  type StartCommand,
  type StartRequestCommand,
  type StatusFields,
} from '@app/contracts';
import { mayAccess, type Principal } from '@app/auth';
import { BrokerPublisher, BrokerUnavailableError } from '@app/messaging';
import { RequestStore, type RequestRecord } from '@app/persistence';
import { RecordedEventsPublisher } from '../recording';

function statusEvent(requestId: string, fields: StatusFields): EventDraft {
  return { type: 'status', requestId, eventId: `gateway:${randomUUID()}`, ...fields };
}

const forbidden = () => new CommandError(ErrorCode.FORBIDDEN, 'this request belongs to another user');
const notFound = (what = 'no such request') => new CommandError(ErrorCode.NOT_FOUND, what);

/**
 * What `start`, `cancel` and `feedback` do, for sockets and HTTP alike.
 * Each records its status change through the store (same log, same `seq`)
 * before telling the agents, and checks the broker first so a command is
 * refused whole rather than half-done.
 */
@Injectable()
export class RequestCommands {
  constructor(
    private readonly store: RequestStore,
    private readonly broker: BrokerPublisher,
    private readonly recorded: RecordedEventsPublisher,
  ) {}

  async start(principal: Principal, command: StartCommand): Promise<{ created: boolean; request: RequestRecord }> {
    this.requireBroker();
    const { requestId, userQuery, context = {} } = command;
    const owner = principal.userId;
    const { created, request, recorded } = await this.store.startRequest(
      { requestId, owner, userQuery, context },
      statusEvent(requestId, { status: 'queued', owner }),
    );
    if (!created) {
      if (request.owner !== owner) throw new CommandError(ErrorCode.CONFLICT, 'this request id belongs to another user');
      return { created, request };
    }
    try {
      await this.recorded.publish(recorded);
      const start: StartRequestCommand = { requestId, userQuery, context, owner };
      await this.broker.publish(Exchanges.agentCommands, CommandRoutingKeys.start, start);
    } catch (error) {
      // The agents never heard of it: undo, so that a retry starts it for real.
      await this.store.deleteRequest(requestId);
      throw error;
    }
    return { created, request: { ...request, status: 'queued' } };
  }

  /** Returns `cancelling`, or the final status when the request already ended. */
  async cancel(principal: Principal, requestId: string): Promise<RequestStatus> {
    this.requireBroker();
    const result = await this.store.transition(requestId, (request) => {
      if (!mayAccess(principal, request.owner)) throw forbidden();
      if (isFinalStatus(request.status) || request.status === 'cancelling') return [];
      return [statusEvent(requestId, { status: 'cancelling', reason: `cancelled by ${principal.userId}` })];
    });
    if (!result) throw notFound();
    if (isFinalStatus(result.request.status)) return result.request.status;
    await this.recorded.publish(result.recorded);
    // Sent again on a repeated cancel: a retry after a lost publish still reaches the agents.
    const cancel: CancelRequestCommand = { requestId };
    await this.broker.publish(Exchanges.agentCommands, CommandRoutingKeys.cancel, cancel);
    return 'cancelling';
  }

  async feedback(principal: Principal, command: FeedbackCommand): Promise<void> {
    this.requireBroker();
    const { requestId, questionId, answer } = command;
    const result = await this.store.transition(requestId, (request) => {
      if (!mayAccess(principal, request.owner)) throw forbidden();
      if (isFinalStatus(request.status)) throw new CommandError(ErrorCode.CONFLICT, `the request has already ${request.status}`);
      const { askedQuestionIds, pendingQuestions } = request.projection;
      if (!askedQuestionIds.includes(questionId)) throw notFound('no such question on this request');
      if (!pendingQuestions.some((q) => q.questionId === questionId)) throw new CommandError(ErrorCode.CONFLICT, 'this question was already answered');
      // An answer during a cancel must not make the request look as if it runs again.
      const status = request.status === 'cancelling' ? 'cancelling' : 'running';
      return [statusEvent(requestId, { status, reason: 'question answered', questionId })];
    });
    if (!result) throw notFound();
    await this.recorded.publish(result.recorded);
    const feedback: FeedbackRequestCommand = { requestId, questionId, answer };
    await this.broker.publish(Exchanges.agentCommands, CommandRoutingKeys.feedback, feedback);
  }

  /** Owner check for watching: null when the request does not exist (yet). */
  async ownerOf(requestId: string): Promise<string | null> {
    return (await this.store.findRequest(requestId))?.owner ?? null;
  }

  private requireBroker(): void {
    if (!this.broker.connected) throw new BrokerUnavailableError('the message broker is not connected');
  }
}

