import { AckWindow } from './ack-window';

describe('AckWindow', () => {
  it('acks only the done prefix: a later batch finishing first waits for the earlier one', () => {
    const window = new AckWindow<number>();
    for (let tag = 1; tag <= 6; tag++) window.add(tag);
    expect(window.complete([4, 5])).toBeUndefined();
    expect(window.complete([1, 2])).toBe(2);
    expect(window.size).toBe(4);
    expect(window.complete([3])).toBe(5);
    expect(window.complete([6])).toBe(6);
    expect(window.size).toBe(0);
  });

  it('keeps its order over many deliveries (the consumed part is dropped as it goes)', () => {
    const window = new AckWindow<number>();
    const acked: number[] = [];
    for (let tag = 1; tag <= 10_000; tag++) window.add(tag);
    // Batches of 10 finishing in pairs, the second of each pair first.
    for (let start = 1; start <= 10_000; start += 20) {
      const later = Array.from({ length: 10 }, (_, i) => start + 10 + i);
      const earlier = Array.from({ length: 10 }, (_, i) => start + i);
      expect(window.complete(later)).toBeUndefined();
      acked.push(window.complete(earlier)!);
    }
    expect(acked).toEqual(Array.from({ length: 500 }, (_, i) => (i + 1) * 20));
    expect(window.size).toBe(0);
  });
});
