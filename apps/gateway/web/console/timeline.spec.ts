/// <reference types="jest" />
import { clockTime, formatGap } from './timeline';

describe('timeline times', () => {
  it('gaps read in ms, seconds, then minutes', () => {
    expect(formatGap(0)).toBe('+0 ms');
    expect(formatGap(120.4)).toBe('+120 ms');
    expect(formatGap(1234)).toBe('+1.2 s');
    expect(formatGap(125_000)).toBe('+2 min 5 s');
  });

  it('a clock time keeps the milliseconds, 24 h', () => {
    const iso = new Date(2026, 11, 6, 13, 4, 5, 7).toISOString();
    expect(clockTime(iso)).toBe('13:04:05.007');
  });
});
