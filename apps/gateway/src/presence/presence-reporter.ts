import { randomUUID } from 'node:crypto';
import { Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { RequestCatalog } from '@app/persistence';
import { InstanceGaugeSource } from './instance-gauge-source';
import { SocketCensus } from './socket-census';

/** Rows of a gateway silent this long are deleted (long after they stopped counting). */
const FORGET_AFTER_MS = 3_600_000;

/**
 * Presence across instances: every PRESENCE_INTERVAL_MS this instance writes
 * its per-request socket counts (only the changes), its gauges and a
 * heartbeat to Postgres; readers sum the rows of instances heard from within
 * PRESENCE_STALE_MS. A timer, not the socket handlers, does the writing, so
 * joins and leaves cost nothing extra.
 */
@Injectable()
export class PresenceReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PresenceReporter.name);
  readonly instanceId = randomUUID();
  /** What the database holds for this instance, as of the last committed report. */
  private reported = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly census: SocketCensus,
    private readonly catalog: RequestCatalog,
    private readonly config: AppConfig,
    @Optional() private readonly gauges?: InstanceGaugeSource,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report(), this.config.PRESENCE_INTERVAL_MS).unref();
    void this.report();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    await this.catalog.forgetInstance(this.instanceId).catch((error: Error) => this.logger.warn(`could not remove this instance's presence: ${error.message}`));
  }

  /** Sends one report (skipped while the previous one is still being written). */
  report(): Promise<void> {
    this.running ??= this.write().finally(() => (this.running = undefined));
    return this.running;
  }

  private async write(): Promise<void> {
    const counts = this.census.watchersByRequest();
    try {
      const gauges = (await this.gauges?.readGauges()) ?? {};
      await this.catalog.reportPresence(this.instanceId, counts, this.reported, FORGET_AFTER_MS, gauges);
      this.reported = counts;
    } catch (error) {
      // The transaction rolled back: the next report diffs against what is really stored.
      this.logger.warn(`presence report failed: ${(error as Error).message}`);
    }
  }
}
