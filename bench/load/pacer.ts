import { sleep, wallNow } from '../common';

/**
 * Sends `total` items at `rate` per second. A 1 ms timer drives it; each tick
 * sends everything due by now, so a late tick catches up instead of drifting
 * (the schedule is fixed at the start, not at the previous tick).
 * `send` returns false when its transport asks to wait (`drained` then).
 * Returns the worst lag behind schedule seen at a tick: when it grows, the
 * generator (or the box) could not keep the rate.
 */
export async function pace(total: number, rate: number, send: (index: number) => boolean, drained: () => Promise<void>): Promise<{ maxBehindMs: number }> {
  const startedAt = wallNow();
  let sent = 0;
  let maxBehindMs = 0;
  while (sent < total) {
    const now = wallNow();
    const due = Math.min(total, Math.floor(((now - startedAt) * rate) / 1000) + 1);
    if (sent < due) maxBehindMs = Math.max(maxBehindMs, now - (startedAt + (sent * 1000) / rate));
    while (sent < due) {
      if (!send(sent++)) await drained();
    }
    if (sent < total) await sleep(1);
  }
  return { maxBehindMs };
}
