import type { EventDraft, RequestStatus } from '@app/contracts';
import type { SliceChanges } from './projection-slice';
import { RecordingCache } from './recording-cache';
import type { RequestHeader } from './request-record';

const header = (requestId: string, lastSeq: number, status: RequestStatus = 'running'): RequestHeader => ({
  requestId,
  owner: 'alice',
  status,
  lastSeq,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});
const progress = (requestId: string, step: number, agent = 'researcher'): EventDraft => ({
  type: 'progress',
  requestId,
  eventId: `${requestId}.${step}.${agent}`,
  agent,
  step,
  status: 'running',
  data: {},
});
/** What a slice holding `steps` of agent `researcher` would write back. */
const changes = (steps: number[], status: RequestStatus = 'running'): SliceChanges => ({
  status,
  agents: [{ summary: { agent: 'researcher', status: 'running' } as never, position: 2 }],
  steps: steps.map((step) => ({ summary: { agent: 'researcher', step, status: 'running' } as never, position: step + 1, outputBytes: 0 })),
  questions: [],
  outputs: [],
});

describe('RecordingCache', () => {
  it('knows nothing of a request until a write built on a read', () => {
    const cache = new RecordingCache();
    expect(cache.lookup([progress('r', 1)])).toBeUndefined();
    cache.remember(header('r', 2), [progress('r', 1)], changes([1]), 2, 'cache'); // nothing to build on
    expect(cache.lookup([progress('r', 1)])).toBeUndefined();
  });

  it('answers for the rows it saw; a request read at seq 1 (only queued) has no others, so a new step is known absent', () => {
    const cache = new RecordingCache();
    cache.remember(header('fresh', 2), [progress('fresh', 1)], changes([1]), 1, 'read');
    cache.remember(header('old', 40), [progress('old', 1)], changes([1]), 39, 'read');
    const fresh = cache.lookup([progress('fresh', 1), progress('fresh', 2)])!;
    expect(fresh.headers.map((h) => h.lastSeq)).toEqual([2]);
    expect(fresh.rows.get('fresh')!.steps.map((s) => s.summary.step)).toEqual([1]);
    // Read mid-way: rows it never saw may exist.
    expect(cache.lookup([progress('old', 1)])).toBeDefined();
    expect(cache.lookup([progress('old', 2)])).toBeUndefined();
  });

  it('a read that finds the entry still current (a batch read because of another request) keeps what it knew', () => {
    const cache = new RecordingCache();
    cache.remember(header('r', 2), [progress('r', 1)], changes([1]), 1, 'read');
    cache.remember(header('r', 3), [progress('r', 2)], changes([2]), 2, 'read'); // read at 2: the entry was at 2
    expect(cache.lookup([progress('r', 7)])).toBeDefined(); // still knows every row: step 7 is absent
    cache.remember(header('r', 9), [progress('r', 3)], changes([3]), 5, 'read'); // something else recorded 4 and 5
    expect(cache.lookup([progress('r', 7)])).toBeUndefined();
    expect(cache.lookup([progress('r', 3)])).toBeDefined();
  });

  it('hands out copies: a fold that changes them changes nothing kept', () => {
    const cache = new RecordingCache();
    cache.remember(header('r', 2), [progress('r', 1)], changes([1]), 1, 'read');
    const first = cache.lookup([progress('r', 1)])!;
    (first.rows.get('r')!.steps[0].summary as { status: string }).status = 'failed';
    first.headers[0].lastSeq = 99;
    const second = cache.lookup([progress('r', 1)])!;
    expect(second.rows.get('r')!.steps[0].summary.status).toBe('running');
    expect(second.headers[0].lastSeq).toBe(2);
  });

  it('forgets a request whose entry changed since it was looked up, or that ended', () => {
    const cache = new RecordingCache();
    cache.remember(header('r', 2), [progress('r', 1)], changes([1]), 1, 'read');
    cache.remember(header('r', 5), [progress('r', 1)], changes([1]), 3, 'cache'); // looked up at 3, but the entry is at 2
    expect(cache.lookup([progress('r', 1)])).toBeUndefined();
    cache.remember(header('e', 2), [progress('e', 1)], changes([1]), 1, 'read');
    cache.remember(header('e', 3, 'completed'), [progress('e', 1)], changes([1], 'completed'), 2, 'cache');
    expect(cache.lookup([progress('e', 1)])).toBeUndefined();
    expect(cache.stats).toEqual({ requests: 0, bytes: 0 });
  });

  it('keeps to its memory budget, dropping the least recently used requests first; a large summary counts as large', () => {
    const probe = new RecordingCache();
    probe.remember(header('p', 2), [progress('p', 1)], changes([1]), 1, 'read');
    const perRequest = probe.stats.bytes;
    const cache = new RecordingCache(perRequest * 3 + perRequest / 2);
    for (const id of ['a', 'b', 'c']) cache.remember(header(id, 2), [progress(id, 1)], changes([1]), 1, 'read');
    cache.lookup([progress('a', 1)]); // a is used: b is now the oldest
    cache.remember(header('d', 2), [progress('d', 1)], changes([1]), 1, 'read');
    expect(cache.stats).toEqual({ requests: 3, bytes: perRequest * 3 });
    expect(cache.lookup([progress('b', 1)])).toBeUndefined();
    expect(cache.lookup([progress('a', 1)])).toBeDefined();
    // A step whose result is as large as the whole budget: its request does not stay.
    const big = changes([1]);
    (big.steps[0].summary as { result?: unknown }).result = 'x'.repeat(perRequest * 4);
    cache.remember(header('e', 2), [progress('e', 1)], big, 1, 'read');
    expect(cache.lookup([progress('e', 1)])).toBeUndefined();
    expect(cache.stats.bytes).toBeLessThanOrEqual(perRequest * 3 + perRequest / 2);
  });
});
