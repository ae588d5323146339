/**
 * The rebalance rule of the ingest shards. Members are ordered oldest first;
 * with `shards` over `members`, every member's quota is ⌊shards / members⌋ and
 * the oldest `shards mod members` get one more: the quotas add up to the
 * shard count and differ by at most one. A member above its quota gives up
 * its extra shards; one below takes free ones. A member joining is the
 * youngest, so the others' quotas only shrink (they hand over exactly what
 * it takes); a member leaving frees its shards and the survivors' quotas grow.
 */
export function shardQuota(shards: number, members: number, rank: number): number {
  if (members <= 0 || rank < 0 || rank >= members) return 0;
  return Math.floor(shards / members) + (rank < shards % members ? 1 : 0);
}

export interface ShardMoves {
  /** Shards to hand back, highest first. */
  release: number[];
  /** Shards to try, in order, until the quota is reached (some may be held by others). */
  candidates: number[];
}

/**
 * What to do now, given what this member holds. Candidates begin at the
 * member's own stretch of the shard range (rank × quota), so members that
 * look for shards at the same moment mostly try different ones first.
 */
export function planShardMoves(shards: number, held: ReadonlySet<number>, quota: number, rank: number): ShardMoves {
  if (held.size > quota) {
    const release = [...held].sort((a, b) => b - a).slice(0, held.size - quota);
    return { release, candidates: [] };
  }
  if (held.size === quota) return { release: [], candidates: [] };
  const start = (Math.max(0, rank) * Math.max(1, quota)) % shards;
  const candidates: number[] = [];
  for (let i = 0; i < shards; i++) {
    const shard = (start + i) % shards;
    if (!held.has(shard)) candidates.push(shard);
  }
  return { release: [], candidates };
}
