import { Logger } from '@nestjs/common';
import { bootstrapProcess } from '@app/config';
import { createGatewayApp } from '@app/gateway';
import { AuditModule } from './audit.module';

// The gateway with the audit module: what a team's own entry point looks like.
void bootstrapProcess('gateway', async (config, logger) => {
  const app = await createGatewayApp({ imports: [AuditModule], startupLogger: logger });
  await app.listen(config.PORT);
  new Logger('Gateway').log(`gateway with the audit module on http://localhost:${config.PORT} (GET /admin/audit)`);
});
