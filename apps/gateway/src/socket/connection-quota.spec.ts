import { ConnectionQuota } from './connection-quota';

describe('ConnectionQuota (MAX_CONNECTIONS_PER_USER)', () => {
  it('gives each user up to the limit and refuses past it', () => {
    const quota = new ConnectionQuota(3);
    const taken = [quota.tryTake('alice'), quota.tryTake('alice'), quota.tryTake('alice')];
    expect(taken.every((release) => typeof release === 'function')).toBe(true);
    expect(quota.tryTake('alice')).toBeNull();
    expect(quota.heldBy('alice')).toBe(3);
  });

  it('counts users separately', () => {
    const quota = new ConnectionQuota(1);
    expect(quota.tryTake('alice')).not.toBeNull();
    expect(quota.tryTake('bob')).not.toBeNull();
    expect(quota.tryTake('alice')).toBeNull();
  });

  it('a released slot can be taken again', () => {
    const quota = new ConnectionQuota(1);
    const release = quota.tryTake('alice')!;
    release();
    expect(quota.heldBy('alice')).toBe(0);
    expect(quota.tryTake('alice')).not.toBeNull();
  });

  it('releasing twice gives back one slot only', () => {
    const quota = new ConnectionQuota(2);
    const first = quota.tryTake('alice')!;
    quota.tryTake('alice');
    first();
    first();
    expect(quota.heldBy('alice')).toBe(1);
    expect(quota.tryTake('alice')).not.toBeNull();
    expect(quota.tryTake('alice')).toBeNull();
  });

  it('a refusal takes nothing', () => {
    const quota = new ConnectionQuota(1);
    quota.tryTake('alice');
    for (let i = 0; i < 5; i++) quota.tryTake('alice');
    expect(quota.heldBy('alice')).toBe(1);
  });

  it('forgets users with no sockets left', () => {
    const quota = new ConnectionQuota(5);
    const releases = ['a', 'b', 'b'].map((user) => quota.tryTake(user)!);
    expect(quota.users).toBe(2);
    releases.forEach((release) => release());
    expect(quota.users).toBe(0);
  });
});
