import { Injectable, Logger } from '@nestjs/common';
import { Exchanges, RECORDED_TYPES, type RecordedMessage, type RecordedType, type RequestEventEnvelope } from '@app/contracts';
import { BrokerPublisher } from '@app/messaging';
import { RequestStore } from '@app/persistence';
import { takesType, type RequestEventTypes } from './on-request-event.decorator';

/** Owners remembered (a request's owner never changes): most batches then need no read. */
const OWNER_CACHE_SIZE = 10_000;

/**
 * Puts recorded messages on the hooks' exchange, persistent, one message per
 * event (a hook acks, retries and dead-letters each one on its own).
 * Only the types this instance's hooks take are published: with no hook
 * registered it does nothing at all — no read, no publish. (Every gateway
 * instance runs the same modules; during a rolling deploy that adds a hook,
 * events recorded by the older instances do not reach it.)
 */
@Injectable()
export class RequestEventHooksPublisher {
  private readonly logger = new Logger(RequestEventHooksPublisher.name);
  private readonly wanted = new Set<RecordedType>();
  private readonly owners = new Map<string, string>();

  constructor(
    private readonly broker: BrokerPublisher,
    private readonly store: RequestStore,
  ) {}

  /** Called by the explorer for each hook, before anything is recorded. */
  want(types: RequestEventTypes): void {
    for (const type of RECORDED_TYPES) if (takesType(types, type)) this.wanted.add(type);
  }

  /** Resolves once the broker confirmed every message; throws when it did not (the caller retries or logs). */
  async publish(events: readonly RecordedMessage[]): Promise<void> {
    if (this.wanted.size === 0) return;
    const taken = events.filter((e) => this.wanted.has(e.type));
    if (taken.length === 0) return;
    const owners = await this.ownersOf(taken);
    await Promise.all(
      taken.map((message) => {
        const owner = owners.get(message.requestId);
        // Only when retention deleted the request in between: nothing left to tell anyone about.
        if (owner === undefined) return this.logger.warn({ requestId: message.requestId }, 'request gone before its hooks were told');
        const envelope: RequestEventEnvelope = { owner, message };
        return this.broker.publish(Exchanges.requestEvents, message.type, envelope, { messageId: `${message.requestId}:${message.seq}` });
      }),
    );
  }

  private async ownersOf(events: readonly RecordedMessage[]): Promise<Map<string, string>> {
    const missing = [...new Set(events.map((e) => e.requestId))].filter((id) => !this.owners.has(id));
    if (missing.length > 0) {
      for (const [id, owner] of await this.store.ownersOf(missing)) {
        if (this.owners.size >= OWNER_CACHE_SIZE) this.owners.delete(this.owners.keys().next().value as string);
        this.owners.set(id, owner);
      }
    }
    return this.owners;
  }
}
