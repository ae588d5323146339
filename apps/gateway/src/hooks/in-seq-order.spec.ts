import type { RecordedMessage } from '@app/contracts';
import { InSeqOrder } from './in-seq-order';

const status = (seq: number): RecordedMessage => ({ type: 'status', requestId: 'r', seq, ts: '2026-01-01T00:00:00.000Z', status: 'queued' });
const progress = (seq: number): RecordedMessage => ({ type: 'progress', requestId: 'r', seq, ts: '2026-01-01T00:00:00.000Z', agent: 'a', step: 1, status: 'running', data: {} });

/** A log of `count` messages, seq 1 a status, the rest progress. */
function logOf(count: number) {
  const log = Array.from({ length: count }, (_, i) => (i === 0 ? status(1) : progress(i + 1)));
  const reads: number[] = [];
  const read = async (_id: string, after: number, limit: number) => {
    reads.push(after);
    return log.filter((m) => m.seq > after).slice(0, limit);
  };
  return { log, reads, read };
}

describe('InSeqOrder (ordered hooks)', () => {
  it('a message past a gap comes after the gap, read from the log; the late copies are dropped', async () => {
    const { log, read } = logOf(4);
    const order = new InSeqOrder(read, () => true, true);
    const handled: number[] = [];
    const handle = async (m: RecordedMessage) => void handled.push(m.seq);
    await order.deliver(log[0], handle);
    await order.deliver(log[3], handle); // 2 and 3 are late
    await order.deliver(log[1], handle);
    await order.deliver(log[2], handle);
    expect(handled).toEqual([1, 2, 3, 4]);
  });

  it('fills only the types the hook takes', async () => {
    const { log, read } = logOf(3);
    const order = new InSeqOrder(read, (m) => m.type === 'progress', true);
    const handled: number[] = [];
    await order.deliver(log[2], async (m) => void handled.push(m.seq));
    expect(handled).toEqual([2, 3]);
  });

  it('a repeated message is handled once', async () => {
    const { log, read } = logOf(2);
    const order = new InSeqOrder(read, () => true, true);
    const handled: number[] = [];
    for (const m of [log[0], log[1], log[1], log[0]]) await order.deliver(m, async (x) => void handled.push(x.seq));
    expect(handled).toEqual([1, 2]);
  });

  it('without status messages in its types a hook never reads the log', async () => {
    const { log, read, reads } = logOf(5);
    const order = new InSeqOrder(read, (m) => m.type === 'progress', false);
    await order.deliver(log[4], async () => undefined);
    expect(reads).toEqual([]);
  });

  it('a failing handler leaves the message unhandled: the retry handles it, and what was filled before stays handled', async () => {
    const { log, read } = logOf(3);
    const order = new InSeqOrder(read, () => true, true);
    const handled: number[] = [];
    let fail = true;
    const handle = async (m: RecordedMessage) => {
      if (m.seq === 3 && fail) throw new Error('boom');
      handled.push(m.seq);
    };
    await expect(order.deliver(log[2], handle)).rejects.toThrow('boom');
    fail = false;
    await order.deliver(log[2], handle);
    expect(handled).toEqual([1, 2, 3]);
  });
});

describe('InSeqOrder when the subscription gives up (last attempt)', () => {
  /** An ordered delivery over a log of `count` whose handler always fails seq 2 and records the seqs it ran. */
  function poisonedAtSeq2(count: number) {
    const { log, read } = logOf(count);
    const order = new InSeqOrder(read, () => true, true);
    const handled: number[] = [];
    const handle = async (m: RecordedMessage) => {
      if (m.seq === 2) throw new Error('poison');
      handled.push(m.seq);
    };
    return { log, order, handled, handle };
  }

  it('a message that fails its last attempt is not run into again by the next one', async () => {
    const { log, order, handled, handle } = poisonedAtSeq2(3);
    await order.deliver(log[0], handle);
    await expect(order.deliver(log[1], handle, true)).rejects.toThrow('poison');
    await order.deliver(log[2], handle);
    expect(handled).toEqual([1, 3]);
  });

  it('a message from the log that fails names its seq; the rest of the request goes on', async () => {
    const { log, order, handled, handle } = poisonedAtSeq2(4);
    await order.deliver(log[0], handle);
    await expect(order.deliver(log[2], handle, true)).rejects.toThrow('seq 2, read from the log to keep order, failed: poison');
    await order.deliver(log[3], handle); // 3 (dead-lettered as the carrier of the failure) is read from the log
    expect(handled).toEqual([1, 3, 4]);
  });
});
