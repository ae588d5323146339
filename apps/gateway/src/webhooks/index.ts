export { WebhooksModule } from './webhooks.module';
export { WEBHOOK_QUEUE, WEBHOOK_RETRY, webhookRetrySpanSeconds, type RequestCompletedWebhook } from './webhook-delivery';
