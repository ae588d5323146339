import { Test } from '@nestjs/testing';
import { AppConfigModule } from '@app/config';
import { PersistenceModule, RequestStore } from '@app/persistence';

describe('PersistenceModule', () => {
  it('connects with AppConfig.DATABASE_URL, migrates on init and provides RequestStore', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule, PersistenceModule] }).compile();
    const app = await moduleRef.init();
    try {
      const store = app.get(RequestStore);
      await store.ping();
      expect(await store.findRequest('does-not-exist')).toBeNull();
    } finally {
      await app.close();
    }
  });
});
