import { Module } from '@nestjs/common';
import { Webhooks } from './webhooks';
import { WebhookSender } from './webhook-sender';

/**
 * docs/protocol.md §3 webhooks. Composed into the gateway only when WEBHOOK_URLS
 * is set (createGatewayApp): without it there is no hook, so the recording
 * path publishes nothing for webhooks (see RequestEventHooksPublisher).
 */
@Module({ providers: [Webhooks, WebhookSender] })
export class WebhooksModule {}
