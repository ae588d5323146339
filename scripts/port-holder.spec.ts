import { createServer, type Server } from 'node:net';
import { ensurePortFree, findPortHolder } from './port-holder';

/** A TCP server of this process on a free port. */
async function listening(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('which process holds a port (npm start checks PORT and AGENT_HTTP_PORT first)', () => {
  it('finds this process listening on a port, with its command line', async () => {
    const { server, port } = await listening();
    try {
      expect(findPortHolder(port)).toEqual({ pid: process.pid, command: expect.stringContaining('node') });
    } finally {
      server.close();
    }
  });

  it('finds nobody on a port nothing listens on', async () => {
    const { server, port } = await listening();
    await new Promise((resolve) => server.close(resolve));
    expect(findPortHolder(port)).toBeUndefined();
    await expect(ensurePortFree(port, 'PORT')).resolves.toBeUndefined();
  });

  it('names the setting and the holder when the port is taken', async () => {
    const { server, port } = await listening();
    try {
      await expect(ensurePortFree(port, 'PORT')).rejects.toThrow(`PORT=${port} is in use: process ${process.pid} (`);
    } finally {
      server.close();
    }
  });

  it("when the holder cannot be seen (another user's process), still says the port is taken and how to look", async () => {
    const { server, port } = await listening();
    try {
      await expect(ensurePortFree(port, 'AGENT_HTTP_PORT', () => undefined)).rejects.toThrow(
        `AGENT_HTTP_PORT=${port} is in use: a process this user cannot see is listening on it (see \`ss -ltnp 'sport = :${port}'\``,
      );
    } finally {
      server.close();
    }
  });
});
