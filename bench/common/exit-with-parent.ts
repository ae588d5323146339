/**
 * When the bench process dies without cleaning up (SIGKILL, crash), the IPC
 * channel of its children closes: each stops too, so nothing is left
 * listening or consuming. A load process waits on the channel for its
 * orchestrator's messages and keeps it referenced; a server (see
 * server-preload.ts) must not be kept alive by it.
 */
export function exitWithParent(keepAlive: boolean): void {
  if (!process.channel) return;
  if (!keepAlive) process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
