import { Logger } from '@nestjs/common';
import { bootstrapProcess } from '@app/config';
import { createGatewayApp } from './create-gateway-app';

void bootstrapProcess('gateway', async (config) => {
  const app = await createGatewayApp();
  await app.listen(config.PORT);
  new Logger('Gateway').log(`gateway listening on http://localhost:${config.PORT} (Socket.IO at /socket.io, readiness at /health/ready)`);
});
