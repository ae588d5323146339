import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every process
 * derives it from the same system clock, so a `sentAt` taken in the
 * publisher can be subtracted from a receive time taken in a watcher.
 */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
