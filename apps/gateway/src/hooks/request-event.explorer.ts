import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { Exchanges, type RecordedMessage, type RequestEventEnvelope } from '@app/contracts';
import { BrokerSubscriptions, findDecoratedMethods, type DeliveryContext } from '@app/messaging';
import { RequestStore } from '@app/persistence';
import { InSeqOrder } from './in-seq-order';
import { bindingKeys, RequestEventHook, takesType, type RequestEventContext } from './on-request-event.decorator';
import { RequestEventHooksPublisher } from './request-event-hooks.publisher';

/**
 * Turns every `@OnRequestEvent` method of the app into a subscription to its
 * own durable queue on the hooks' exchange. The queues are declared and bound
 * at module init, before the recorder starts at bootstrap, so no event
 * recorded by this instance misses them.
 */
@Injectable()
export class RequestEventExplorer implements OnModuleInit {
  private readonly logger = new Logger(RequestEventExplorer.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly subscriptions: BrokerSubscriptions,
    private readonly publisher: RequestEventHooksPublisher,
    private readonly store: RequestStore,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const { instance, methodName, metadata, qualifiedName } of findDecoratedMethods(this.discovery, this.scanner, RequestEventHook)) {
      const { types, ordered = false, retry, prefetch, queue = `hooks.${qualifiedName}` } = metadata;
      this.publisher.want(types);
      const call = (message: RecordedMessage, context: RequestEventContext) => Promise.resolve(instance[methodName](message, context));
      const inOrder = ordered
        ? new InSeqOrder((id, after, limit) => this.store.listEvents(id, after, limit), (m) => takesType(types, m.type), takesType(types, 'status'))
        : undefined;
      await this.subscriptions.subscribe<RequestEventEnvelope>(
        { exchange: Exchanges.requestEvents, routingKey: bindingKeys(types), queue, ordered, retry, prefetch },
        async ({ owner, message }: RequestEventEnvelope, delivery: DeliveryContext) => {
          const context = { ...delivery, owner };
          if (inOrder) await inOrder.deliver(message, (m) => call(m, context), delivery.lastAttempt);
          else await call(message, context);
        },
        qualifiedName,
      );
      this.logger.log(`@OnRequestEvent ${qualifiedName} ← ${JSON.stringify(types)} (queue ${queue}${ordered ? ', ordered' : ''})`);
    }
  }
}
