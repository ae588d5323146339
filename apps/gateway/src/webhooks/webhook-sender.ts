import { Injectable } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { AppConfig } from '@app/config';

/** A receiver gets this long to answer an attempt. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** POSTs one signed webhook (Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`). */
@Injectable()
export class WebhookSender {
  private readonly signer: Webhook | undefined;

  constructor(config: AppConfig) {
    this.signer = config.WEBHOOK_SECRET ? new Webhook(config.WEBHOOK_SECRET) : undefined;
  }

  /** Resolves on a 2xx answer; throws on any other answer, a timeout or a network error. */
  async send(url: string, webhookId: string, body: unknown): Promise<void> {
    if (!this.signer) throw new Error('WEBHOOK_SECRET is not set');
    const payload = JSON.stringify(body);
    // Signed at each attempt: receivers refuse timestamps more than a few minutes old.
    const now = new Date();
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': webhookId,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': this.signer.sign(webhookId, now, payload),
      },
      body: payload,
      signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  }
}
