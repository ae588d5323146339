import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { BrokerSubscriptions } from './broker-subscriptions';
import { findDecoratedMethods } from './decorated-methods';
import { Subscribe } from './subscribe.decorator';
import type { DeliveryContext } from './subscription-options';

/**
 * Turns every `@Subscribe` method of the app into a subscription, once per
 * app (no process-wide flag), while modules initialise (see BrokerSubscriptions).
 */
@Injectable()
export class SubscriptionExplorer implements OnModuleInit {
  private readonly logger = new Logger(SubscriptionExplorer.name);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly subscriptions: BrokerSubscriptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const methods = findDecoratedMethods(this.discovery, this.scanner, Subscribe);
    for (const { instance, methodName, metadata, qualifiedName } of methods) {
      await this.subscriptions.subscribe(metadata, (body: object, context: DeliveryContext) => instance[methodName](body, context), qualifiedName);
      this.logger.log(`@Subscribe ${qualifiedName} ← ${metadata.exchange} ${JSON.stringify(metadata.routingKey)} (queue ${metadata.queue})`);
    }
  }
}
