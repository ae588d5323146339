import { randomUUID } from 'node:crypto';
import { createDataSource, RequestCatalog, runMigrations } from '@app/persistence';
import type { DataSource } from 'typeorm';

/** Presence as RequestCatalog stores it: per-instance counts, sums over fresh instances. */
describe('RequestCatalog presence (Postgres)', () => {
  let dataSource: DataSource;
  let catalog: RequestCatalog;
  const HOUR = 3_600_000;

  beforeAll(async () => {
    dataSource = createDataSource(process.env.DATABASE_URL as string);
    await dataSource.initialize();
    await runMigrations(dataSource);
    catalog = new RequestCatalog(dataSource);
  });
  afterAll(() => dataSource?.destroy());

  const ids = () => [`a-${randomUUID()}`, `b-${randomUUID()}`];
  const counts = (entries: Array<[string, number]>) => new Map(entries);

  it('sums the counts of every instance and writes only what changed', async () => {
    const [a, b] = ids();
    const [one, two] = [randomUUID(), randomUUID()];
    await catalog.reportPresence(one, counts([[a, 2]]), new Map(), HOUR);
    await catalog.reportPresence(two, counts([[a, 1], [b, 4]]), new Map(), HOUR);
    expect(await catalog.watcherCounts([a, b], HOUR)).toEqual(counts([[a, 3], [b, 4]]));

    // `one` now has b only: a's row goes, b's is added.
    await catalog.reportPresence(one, counts([[b, 1]]), counts([[a, 2]]), HOUR);
    expect(await catalog.watcherCounts([a, b], HOUR)).toEqual(counts([[a, 1], [b, 5]]));

    await catalog.forgetInstance(two);
    expect(await catalog.watcherCounts([a, b], HOUR)).toEqual(counts([[b, 1]]));
  });

  it('an instance whose row was forgotten writes all its counts again on its next report', async () => {
    const [a] = ids();
    const instance = randomUUID();
    await catalog.reportPresence(instance, counts([[a, 2]]), new Map(), HOUR);
    await catalog.forgetInstance(instance); // as another instance does after an hour of silence
    await catalog.reportPresence(instance, counts([[a, 2]]), counts([[a, 2]]), HOUR);
    expect(await catalog.watcherCounts([a], HOUR)).toEqual(counts([[a, 2]]));
  });

  it('instances not heard from within the freshness window do not count, and long-silent ones are deleted', async () => {
    const [a] = ids();
    const silent = randomUUID();
    await catalog.reportPresence(silent, counts([[a, 3]]), new Map(), HOUR);
    await dataSource.query(`UPDATE gateway_instances SET heartbeat_at = now() - interval '20 seconds' WHERE instance_id = $1`, [silent]);
    expect(await catalog.watcherCounts([a], 15_000)).toEqual(new Map());
    expect(await catalog.watcherCounts([a], 30_000)).toEqual(counts([[a, 3]]));

    await catalog.reportPresence(randomUUID(), new Map(), new Map(), 10_000); // any report forgets instances silent that long
    const rows = await dataSource.query('SELECT count(*)::int AS n FROM request_watchers WHERE instance_id = $1', [silent]);
    expect(rows[0].n).toBe(0);
  });
});
