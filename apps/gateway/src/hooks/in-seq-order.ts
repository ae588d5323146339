import type { RecordedMessage } from '@app/contracts';

/** Requests whose last handled seq is remembered per ordered hook. */
const REMEMBERED_REQUESTS = 10_000;
const PAGE = 500;

/** Reads a request's log: seq > afterSeq, ascending, at most `limit`. */
export type LogReader = (requestId: string, afterSeq: number, limit: number) => Promise<RecordedMessage[]>;

/**
 * Hands an ordered hook each request's messages in seq order, whatever order
 * they reach its queue in. They can cross: status changes are published by
 * the instance that took the command, agent events by the one that recorded
 * them. So a message past a gap is preceded by the gap's messages read from
 * the log, and the late copies that follow are dropped as handled.
 * Only hooks that take `status` messages can meet such a gap (agent events
 * of a request are all published by one recorder, in order); the others
 * skip the log. What is remembered lives in this process: after a restart
 * or a fail-over, a request's earlier messages may be handled again.
 */
export class InSeqOrder {
  private readonly lastSeq = new Map<string, number>();

  constructor(
    private readonly readLog: LogReader,
    private readonly takes: (message: RecordedMessage) => boolean,
    private readonly gapsPossible: boolean,
  ) {}

  /**
   * `lastAttempt`: the subscription gives up on `message` if this throws. The
   * message that failed is then remembered as done, so that the next message
   * of the request does not run into it again (and get dead-lettered for it);
   * when it came from the log, the error names its seq.
   */
  async deliver(message: RecordedMessage, handle: (message: RecordedMessage) => Promise<unknown>, lastAttempt = false): Promise<void> {
    const { requestId } = message;
    const last = this.lastSeq.get(requestId);
    if (last !== undefined && message.seq <= last) return;
    const handleOnce = async (m: RecordedMessage) => {
      try {
        await handle(m);
      } catch (error) {
        if (!lastAttempt) throw error;
        this.remember(requestId, m.seq);
        if (m === message) throw error;
        throw new Error(`seq ${m.seq}, read from the log to keep order, failed: ${(error as Error).message}`);
      }
    };
    if (this.gapsPossible && message.seq > (last ?? 0) + 1) await this.fillGap(requestId, last ?? 0, message.seq, handleOnce);
    await handleOnce(message);
    this.remember(requestId, message.seq);
  }

  private async fillGap(requestId: string, after: number, before: number, handle: (message: RecordedMessage) => Promise<unknown>): Promise<void> {
    while (after < before - 1) {
      const page = await this.readLog(requestId, after, PAGE);
      for (const earlier of page) {
        if (earlier.seq >= before) return;
        if (this.takes(earlier)) await handle(earlier);
        this.remember(requestId, (after = earlier.seq));
      }
      if (page.length < PAGE) return;
    }
  }

  private remember(requestId: string, seq: number): void {
    this.lastSeq.delete(requestId); // re-inserted last: the oldest entry is the least recently used
    if (this.lastSeq.size >= REMEMBERED_REQUESTS) this.lastSeq.delete(this.lastSeq.keys().next().value as string);
    this.lastSeq.set(requestId, seq);
  }
}
