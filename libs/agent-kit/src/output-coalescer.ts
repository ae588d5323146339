import { prefixWithinBytes, utf8Length } from '@app/contracts';

/** How a step's output deltas are gathered into events. */
export interface OutputCoalescing {
  /** Longest a delta waits for others before its event goes out. Default 40 ms. */
  windowMs?: number;
  /** Most bytes of UTF-8 one event carries; a fuller buffer goes out at once. Default 16 KiB, at most 64 KiB (docs/protocol.md §2). */
  maxBytes?: number;
}

export const DEFAULT_OUTPUT_WINDOW_MS = 40;
export const DEFAULT_OUTPUT_MAX_BYTES_PER_EVENT = 16 * 1024;
const DELTA_LIMIT = 64 * 1024;

/**
 * One step's output on its way to the broker: deltas are gathered for up to
 * a window (an LLM's tokens, tens a second, become a few events a second)
 * and sent as one `.output` event. At most one event is in flight: while the
 * broker is slow, deltas gather in the buffer, and once it holds `maxBytes`
 * `add` waits — what a slow broker costs is the producer's pace, never
 * memory (at most one event in flight and one buffer).
 */
export class OutputCoalescer {
  private readonly windowMs: number;
  private readonly maxBytes: number;
  private buffer = '';
  private bufferBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly sendDelta: (delta: string) => Promise<void>,
    options: OutputCoalescing = {},
  ) {
    this.windowMs = options.windowMs ?? DEFAULT_OUTPUT_WINDOW_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_OUTPUT_MAX_BYTES_PER_EVENT;
    if (!(this.windowMs >= 0)) throw new TypeError('output windowMs must be a number ≥ 0');
    if (!(this.maxBytes >= 4 && this.maxBytes <= DELTA_LIMIT)) throw new TypeError(`output maxBytes must be between 4 and ${DELTA_LIMIT}`);
  }

  /**
   * Buffers `delta` for the next event. Resolves at once, unless the buffer
   * is full while an event is in flight: then once that event was confirmed
   * and the buffer went out. Rejects when an earlier event of this step failed.
   */
  async add(delta: string): Promise<void> {
    this.throwIfFailed();
    let rest = delta;
    while (rest.length > 0) {
      // Cut only at whole characters: every event carries well-formed text.
      const piece = prefixWithinBytes(rest, this.maxBytes - this.bufferBytes);
      if (piece.length === 0) {
        await this.send();
        continue;
      }
      this.buffer += piece;
      this.bufferBytes += utf8Length(piece);
      rest = rest.slice(piece.length);
      if (this.bufferBytes >= this.maxBytes) await this.send();
    }
    if (this.buffer.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        // Failures surface on the next add/flush.
        this.send().catch(() => undefined);
      }, this.windowMs);
    }
  }

  /** Sends what is buffered (after the event in flight) and resolves once the broker confirmed all of it. */
  async flush(): Promise<void> {
    await this.send();
    while (this.inFlight) await this.inFlight;
    this.throwIfFailed();
  }

  /** Once the event in flight is confirmed, puts the buffer on its way as the next one (not waiting for its confirm). */
  private async send(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight) await this.inFlight;
    this.throwIfFailed();
    if (this.buffer.length === 0) return;
    const delta = this.buffer;
    this.buffer = '';
    this.bufferBytes = 0;
    this.inFlight = this.sendDelta(delta)
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.inFlight = undefined;
      });
  }

  /** Drops what is buffered (the run was cancelled: text never sent is never shown). */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.buffer = '';
    this.bufferBytes = 0;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
