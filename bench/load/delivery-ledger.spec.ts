import { DeliveryLedger, DeliveryTally } from './delivery-ledger';
import { outputStamp } from './output-stamp';

const progress = (n: number, seq?: number, requestId = 'r1') => ({ requestId, seq, data: { n, sentAt: 1000 } });

function ledger(expected: number, warmup = 0, earlyLate = false) {
  const tally = new DeliveryTally(earlyLate);
  return { tally, ledger: new DeliveryLedger('r1', expected, warmup, tally) };
}

describe('DeliveryLedger', () => {
  it('counts a clean stream as delivered, with no loss and latencies from sentAt', () => {
    const { tally, ledger: l } = ledger(3);
    [1, 2, 3].forEach((n) => l.take('progress', progress(n), 1005));
    l.closeBooks();
    expect(tally.counts).toMatchObject({ expected: 3, delivered: 3, lost: 0, duplicates: 0, outOfOrder: 0, foreign: 0 });
    expect(tally.distinct).toBe(3);
    expect(tally.latency.max).toBe(5);
  });

  it('reads the counter and publish time of a stamped output delta, from the product (delta) and the relay (data.delta)', () => {
    const { tally, ledger: l } = ledger(2);
    l.take('output', { requestId: 'r1', seq: 5, delta: outputStamp(1, 1000.5) }, 1003);
    l.take('writer.step.output', { requestId: 'r1', data: { delta: outputStamp(2, 1000) } }, 1004);
    l.closeBooks();
    expect(tally.counts).toMatchObject({ delivered: 2, lost: 0, foreign: 0 });
    expect(tally.latency.max).toBe(4);
  });

  it('tells duplicates, late arrivals and losses apart', () => {
    const { tally, ledger: l } = ledger(5);
    [1, 3, 3, 2].forEach((n) => l.take('progress', progress(n), 1001));
    l.closeBooks();
    expect(tally.counts).toMatchObject({ delivered: 4, duplicates: 1, outOfOrder: 1, lost: 2 });
  });

  it('ranks lost events as infinitely late, so a loss never looks fast', () => {
    const { tally, ledger: l } = ledger(2);
    l.take('progress', progress(1), 1001);
    l.closeBooks();
    expect(tally.latency.percentile(50)).toBe(1);
    expect(tally.latency.percentile(99)).toBe(Infinity);
  });

  it('checks live seq from the handshake state on: gaps and repeats', () => {
    const { tally, ledger: l } = ledger(4);
    l.take('state', { requestId: 'r1', seq: 1 }, 1000);
    l.take('progress', progress(1, 2), 1001);
    l.take('progress', progress(2, 4), 1001); // seq 3 skipped
    l.take('progress', progress(3, 4), 1001); // seq 4 again
    expect(tally.counts).toMatchObject({ seqGaps: 1, seqRepeats: 1 });
  });

  it('counts messages of another request or outside the plan as foreign', () => {
    const { tally, ledger: l } = ledger(2);
    l.take('progress', progress(1, undefined, 'r2'), 1001);
    l.take('progress', progress(7), 1001);
    expect(tally.counts.foreign).toBe(2);
    expect(tally.counts.delivered).toBe(0);
  });

  it('checks warm-up events but leaves them out of the latency figures; early and late are the first and last 10 % after it', () => {
    const { tally, ledger: l } = ledger(12, 2, true);
    for (let n = 1; n <= 12; n++) l.take('progress', progress(n), 1000 + n);
    expect(tally.latency.count).toBe(10);
    expect([tally.early.count, tally.early.max]).toEqual([1, 3]);
    expect([tally.late.count, tally.late.max]).toEqual([1, 12]);
  });
});
