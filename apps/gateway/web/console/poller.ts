/**
 * Runs a refresh now and then every `everyMs` (a number, or asked before each
 * wait) while started, never two at once; waits while the tab is hidden
 * (nobody looks, the gateway is spared).
 */
export class Poller {
  private timer: number | undefined;
  private active = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly everyMs: number | (() => number),
  ) {
    document.addEventListener('visibilitychange', () => {
      if (this.active && document.visibilityState === 'visible') void this.now();
    });
  }

  start(): void {
    this.active = true;
    void this.now();
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
  }

  /** Refreshes at once (after the one under way, if any) and restarts the interval. */
  async now(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
    this.running = this.task()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (this.active && document.visibilityState === 'visible') this.timer = window.setTimeout(() => void this.now(), typeof this.everyMs === 'number' ? this.everyMs : this.everyMs());
      });
    return this.running;
  }
}
