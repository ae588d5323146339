import { DiscoveryService } from '@nestjs/core';
import type { SubscribeOptions } from './subscription-options';

/**
 * Makes a provider method a durable broker subscription, started at bootstrap
 * by SubscriptionExplorer. The method gets the validated body and a
 * DeliveryContext; returning acks, throwing retries with backoff and then
 * dead-letters (see BrokerSubscriptions).
 *
 * @example
 * \@Subscribe({ exchange: 'billing', routingKey: 'invoice.paid', queue: 'acme.invoices', body: InvoicePaid })
 * async onPaid(invoice: InvoicePaid) { ... }
 */
export const Subscribe = DiscoveryService.createDecorator<SubscribeOptions<any>>();
