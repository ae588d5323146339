import { DiscoveryService } from '@nestjs/core';
import type { RecordedMessage, RecordedType } from '@app/contracts';
import type { DeliveryContext, RetryPolicy } from '@app/messaging';

/** Which recorded messages a hook takes: one type, several, or every one. */
export type RequestEventTypes = RecordedType | readonly RecordedType[] | '*';

export interface OnRequestEventOptions {
  /**
   * Handle each request's messages in `seq` order: one at a time in the
   * cluster (single active consumer, prefetch 1), a failure retried in
   * process, so nothing overtakes it. Default false: messages are handled
   * concurrently (`prefetch`) and a failed one waits out its retry aside.
   */
  ordered?: boolean;
  /** Overrides of the retry policy (default: 5 attempts, 1 s × 5 each time). */
  retry?: Partial<RetryPolicy>;
  /** Messages this instance handles at once when not `ordered` (default 10). */
  prefetch?: number;
  /**
   * The hook's durable queue. Default `hooks.<Module>.<Class>.<method>`;
   * renaming the module, class or method starts a new, empty queue.
   */
  queue?: string;
}

/** What a hook learns besides the message: the request's owner, and the attempt. */
export interface RequestEventContext extends DeliveryContext {
  /** The user who started the request (token `sub`). */
  owner: string;
}

export type RequestEventHandler<M extends RecordedMessage = RecordedMessage> = (message: M, context: RequestEventContext) => unknown;

export interface RequestEventHookMetadata extends OnRequestEventOptions {
  types: RequestEventTypes;
}

export const RequestEventHook = DiscoveryService.createDecorator<RequestEventHookMetadata>();

/**
 * Runs the method for every recorded message of `types`, from a durable
 * queue of its own (never on the path of delivery to sockets): at least once,
 * once per hook in the cluster, retried with backoff on a throw and then
 * dead-lettered to `<queue>.dead` with the reason. The method gets the
 * message exactly as a socket gets it and a RequestEventContext.
 *
 * @example
 * \@OnRequestEvent('request.completed')
 * async onFinished(message: RequestCompletedMessage, { owner }: RequestEventContext) { ... }
 */
export function OnRequestEvent(types: RequestEventTypes, options: OnRequestEventOptions = {}): MethodDecorator {
  return RequestEventHook({ types, ...options });
}

export function takesType(types: RequestEventTypes, type: RecordedType): boolean {
  return types === '*' || types === type || (Array.isArray(types) && types.includes(type));
}

/** The topic bindings of a hook's queue (routing key = recorded type). */
export function bindingKeys(types: RequestEventTypes): string[] {
  if (types === '*') return ['#'];
  return typeof types === 'string' ? [types] : [...types];
}
