import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RequestRetention, type PurgeResult } from '@app/persistence';

/**
 * Deletes finished requests older than RETENTION_DAYS every
 * RETENTION_INTERVAL_MS, in batches of RETENTION_BATCH_SIZE. Every gateway
 * runs the timer; an advisory lock lets one purge at a time.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RetentionJob.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PurgeResult | null> | undefined;

  constructor(
    private readonly retention: RequestRetention,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.RETENTION_DAYS === 0) {
      this.logger.log('RETENTION_DAYS=0: finished requests are kept forever');
      return;
    }
    this.timer = setInterval(() => void this.runOnce(), this.config.RETENTION_INTERVAL_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One purge (joins the one under way). null: retention is off, another instance was purging, or it failed. */
  runOnce(): Promise<PurgeResult | null> {
    this.running ??= this.purge().finally(() => (this.running = undefined));
    return this.running;
  }

  private async purge(): Promise<PurgeResult | null> {
    const { RETENTION_DAYS: days, RETENTION_BATCH_SIZE: batchSize } = this.config;
    if (days === 0) return null;
    try {
      const result = await this.retention.purgeFinished(days, batchSize);
      if (result && result.deleted > 0) {
        this.logger.log({ deleted: result.deleted, batches: result.batches, olderThanDays: days }, `retention deleted ${result.deleted} finished request(s)`);
      }
      return result;
    } catch (error) {
      this.logger.warn(`retention run failed, retrying next interval: ${(error as Error).message}`);
      return null;
    }
  }
}
