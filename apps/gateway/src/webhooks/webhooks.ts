import { Injectable } from '@nestjs/common';
import type { RequestCompletedMessage } from '@app/contracts';
import { AppConfig } from '@app/config';
import { BrokerPublisher, Subscribe, type DeliveryContext } from '@app/messaging';
import { OnRequestEvent, type RequestEventContext } from '../hooks';
import { GatewayMetrics } from '../metrics';
import { WEBHOOK_EXCHANGE, WEBHOOK_QUEUE, WEBHOOK_RETRY, WEBHOOK_ROUTING_KEY, WebhookDelivery, webhookIdOf, webhookOf } from './webhook-delivery';
import { WebhookSender } from './webhook-sender';

/**
 * docs/protocol.md §3 webhooks, built as any team's extension is: a hook on
 * finished requests turns each into one job per URL; each job is POSTed and,
 * when the receiver fails, retried on its own schedule (a slow or broken
 * receiver never holds up another), then dead-lettered.
 */
@Injectable()
export class Webhooks {
  constructor(
    private readonly config: AppConfig,
    private readonly broker: BrokerPublisher,
    private readonly sender: WebhookSender,
    private readonly metrics: GatewayMetrics,
  ) {}

  @OnRequestEvent('request.completed')
  async onRequestCompleted(message: RequestCompletedMessage, { owner }: RequestEventContext): Promise<void> {
    const delivery = { webhookId: webhookIdOf(message), body: webhookOf(message, owner) };
    await Promise.all(this.config.webhookUrls.map((url) => this.broker.publish(WEBHOOK_EXCHANGE, WEBHOOK_ROUTING_KEY, { url, ...delivery })));
  }

  @Subscribe({ exchange: WEBHOOK_EXCHANGE, routingKey: WEBHOOK_ROUTING_KEY, queue: WEBHOOK_QUEUE, body: WebhookDelivery, retry: WEBHOOK_RETRY })
  async deliver({ url, webhookId, body }: WebhookDelivery, { lastAttempt }: DeliveryContext): Promise<void> {
    try {
      await this.sender.send(url, webhookId, body);
      this.metrics.webhookDelivery('ok');
    } catch (error) {
      this.metrics.webhookDelivery(lastAttempt ? 'failed' : 'retry');
      throw error;
    }
  }
}
