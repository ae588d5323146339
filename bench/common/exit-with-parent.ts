/**
 * Preloaded (`node --require`) into the servers the bench starts, and called
 * by its load processes: when the bench process dies without cleaning up
 * (SIGKILL, crash), the IPC channel closes and this process stops too, so
 * nothing is left listening or consuming. The channel does not keep the
 * process alive on its own.
 */
export function exitWithParent(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

exitWithParent();
