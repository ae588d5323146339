import { planShardMoves, shardQuota } from './shard-plan';

/** Plays the rule to the end: each member in turn releases or takes free shards, as their ticks would. */
function converge(shards: number, holdings: Array<Set<number>>): Array<Set<number>> {
  for (let round = 0; round < 20; round++) {
    let moved = false;
    holdings.forEach((held, rank) => {
      const { release, candidates } = planShardMoves(shards, held, shardQuota(shards, holdings.length, rank), rank);
      for (const shard of release) (held.delete(shard), (moved = true));
      for (const shard of candidates) {
        if (held.size >= shardQuota(shards, holdings.length, rank)) break;
        if (holdings.some((h) => h.has(shard))) continue; // the lease is taken
        held.add(shard);
        moved = true;
      }
    });
    if (!moved) return holdings;
  }
  throw new Error('did not converge');
}
const sizes = (holdings: Array<Set<number>>) => holdings.map((h) => h.size);
const union = (holdings: Array<Set<number>>) => holdings.flatMap((h) => [...h]).sort((a, b) => a - b);

describe('shard quotas', () => {
  it.each([
    [6, 1, [6]],
    [6, 2, [3, 3]],
    [6, 3, [2, 2, 2]],
    [6, 4, [2, 2, 1, 1]],
    [7, 3, [3, 2, 2]],
    [2, 3, [1, 1, 0]],
    [1, 2, [1, 0]],
  ])('%i shards over %i members: %j (add up, differ by at most one, oldest first)', (shards, members, expected) => {
    expect(Array.from({ length: members }, (_, rank) => shardQuota(shards, members, rank))).toEqual(expected);
  });

  it('a member not in the list has no quota', () => {
    expect(shardQuota(6, 2, -1)).toBe(0);
    expect(shardQuota(6, 2, 2)).toBe(0);
  });
});

describe('shard moves', () => {
  it('one member takes every shard', () => {
    expect(union(converge(6, [new Set()]))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a member joining takes over only what it needs; the others give up their highest shards', () => {
    const before = converge(6, [new Set(), new Set()]);
    expect(sizes(before)).toEqual([3, 3]);
    const kept = before.map((h) => new Set(h));
    const after = converge(6, [...before, new Set()]);
    expect(sizes(after)).toEqual([2, 2, 2]);
    expect(union(after)).toEqual([0, 1, 2, 3, 4, 5]);
    // Two shards moved, one from each: the minimum.
    after.slice(0, 2).forEach((held, i) => expect([...held].every((s) => kept[i].has(s))).toBe(true));
  });

  it('a member leaving: the survivors take its shards, evenly', () => {
    const three = converge(6, [new Set(), new Set(), new Set()]);
    const survivors = converge(6, [three[0], three[2]]);
    expect(sizes(survivors)).toEqual([3, 3]);
    expect(union(survivors)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('more members than shards: one shard each for the oldest, none for the rest', () => {
    expect(sizes(converge(2, [new Set(), new Set(), new Set()]))).toEqual([1, 1, 0]);
  });

  it('above quota: releases the highest shards; at quota: nothing to do', () => {
    expect(planShardMoves(6, new Set([0, 2, 5]), 1, 0)).toEqual({ release: [5, 2], candidates: [] });
    expect(planShardMoves(6, new Set([0, 2]), 2, 0)).toEqual({ release: [], candidates: [] });
  });

  it('below quota: candidates start at the member own stretch and cover every shard not held', () => {
    expect(planShardMoves(6, new Set(), 2, 1)).toEqual({ release: [], candidates: [2, 3, 4, 5, 0, 1] });
  });
});
