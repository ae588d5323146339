import { LatencyHistogram } from './latency-histogram';

describe('LatencyHistogram', () => {
  it('gives percentiles within 1 % and merges parts', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms++) (ms % 2 ? a : b).record(ms);
    const all = LatencyHistogram.merged([a.toData(), b.toData()]);
    expect(all.count).toBe(100);
    expect(all.percentile(50)).toBeGreaterThanOrEqual(50);
    expect(all.percentile(50)).toBeLessThanOrEqual(50.5);
    expect(all.percentile(99)).toBeGreaterThanOrEqual(99);
    expect(all.percentile(99)).toBeLessThanOrEqual(99 * 1.01);
    expect(all.percentile(100)).toBe(100);
  });

  it('has no percentile when empty', () => {
    expect(new LatencyHistogram().percentile(50)).toBeUndefined();
  });
});
