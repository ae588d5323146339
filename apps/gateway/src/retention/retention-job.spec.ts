import { loadConfig } from '@app/config';
import type { PurgeResult, RequestRetention } from '@app/persistence';
import { RetentionJob } from './retention-job';

function jobWith(env: NodeJS.ProcessEnv, purge: (days: number, batch: number) => Promise<PurgeResult | null>) {
  const retention = { purgeFinished: jest.fn(purge) };
  return { job: new RetentionJob(retention as unknown as RequestRetention, loadConfig(env)), retention };
}

describe('RetentionJob', () => {
  it('RETENTION_DAYS=0 keeps everything: no timer, no purge', async () => {
    const { job, retention } = jobWith({ RETENTION_DAYS: '0' }, async () => ({ deleted: 0, batches: 0 }));
    job.onApplicationBootstrap();
    expect(await job.runOnce()).toBeNull();
    expect(retention.purgeFinished).not.toHaveBeenCalled();
    await job.beforeApplicationShutdown();
  });

  it('purges with the configured days and batch size', async () => {
    const { job, retention } = jobWith({ RETENTION_DAYS: '7', RETENTION_BATCH_SIZE: '25' }, async () => ({ deleted: 3, batches: 1 }));
    expect(await job.runOnce()).toEqual({ deleted: 3, batches: 1 });
    expect(retention.purgeFinished).toHaveBeenCalledWith(7, 25);
  });

  it('a run asked for while one is under way joins it: one purge at a time in a process', async () => {
    let finish!: (result: PurgeResult) => void;
    const { job, retention } = jobWith({}, () => new Promise((resolve) => (finish = resolve)));
    const first = job.runOnce();
    const second = job.runOnce();
    finish({ deleted: 1, batches: 1 });
    expect(await Promise.all([first, second])).toEqual([{ deleted: 1, batches: 1 }, { deleted: 1, batches: 1 }]);
    expect(retention.purgeFinished).toHaveBeenCalledTimes(1);
  });

  it('a failed run is reported as null and retried on the next interval', async () => {
    const { job } = jobWith({}, async () => {
      throw new Error('database away');
    });
    expect(await job.runOnce()).toBeNull();
  });
});
