import { quantileMs } from './health-sampler';

describe('p99 from histogram buckets (as histogram_quantile)', () => {
  it('is null without observations', () => {
    expect(quantileMs([[0.01, 0], [Infinity, 0]], 0.99)).toBeNull();
  });

  it('interpolates inside the bucket that holds the rank', () => {
    // 100 observations: 50 ≤ 10 ms, 100 ≤ 20 ms: rank 99 is 49/50 of the way through (10, 20] ms.
    expect(quantileMs([[0.01, 50], [0.02, 100], [Infinity, 100]], 0.99)).toBeCloseTo(19.8, 5);
    expect(quantileMs([[0.01, 100], [0.02, 100], [Infinity, 100]], 0.5)).toBeCloseTo(5, 5);
  });

  it('in the +Inf bucket, the largest finite bound', () => {
    expect(quantileMs([[0.01, 10], [5, 50], [Infinity, 100]], 0.99)).toBe(5000);
  });
});
