import { Logger } from '@nestjs/common';
import { bootstrapProcess } from '@app/config';
import { createGatewayApp } from './create-gateway-app';

void bootstrapProcess('gateway', async (config, logger) => {
  const app = await createGatewayApp({ startupLogger: logger });
  await app.listen(config.PORT).catch((error: NodeJS.ErrnoException) => {
    // Name the setting: "address already in use :::3001" does not say what to change.
    throw error.code === 'EADDRINUSE' ? new Error(`PORT=${config.PORT}: the port is already in use (${error.message})`) : error;
  });
  new Logger('Gateway').log(`gateway listening on http://localhost:${config.PORT} (Socket.IO at /socket.io, readiness at /health/ready)`);
});
