import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

/** A process listening on a TCP port, as far as /proc lets this user see it. */
export interface PortHolder {
  pid: number;
  command: string;
}

/** The inodes of sockets listening on `port` (IPv4 and IPv6), from /proc/net/tcp{,6}. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // not Linux, or no IPv6
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; state 0A is LISTEN; the inode is the tenth field.
      const [, local, , state] = fields;
      if (state === '0A' && local && parseInt(local.split(':')[1], 16) === port) inodes.add(fields[9]);
    }
  }
  return inodes;
}

/**
 * Which process listens on `port`: the socket's inode from /proc/net/tcp, then
 * the process whose open files include it. Undefined when it cannot be told
 * (another user's process, a container's, or no /proc): the caller still
 * says the port is taken and how to look.
 */
export function findPortHolder(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode && inodes.has(inode)) {
        const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
        return { pid: Number(pid), command };
      }
    }
  }
  return undefined;
}

/**
 * Resolves when `port` can be listened on (all interfaces, as the apps do); else rejects saying
 * who holds it. `findHolder` is the /proc look-up (replaceable in tests).
 */
export function ensurePortFree(port: number, setting: string, findHolder: (port: number) => PortHolder | undefined = findPortHolder): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(new Error(`${setting}=${port}: ${error.message}`));
      const holder = findHolder(port);
      const who = holder
        ? `process ${holder.pid} (${holder.command}) is listening on it`
        : `a process this user cannot see is listening on it (see \`ss -ltnp 'sport = :${port}'\` or \`lsof -i :${port}\`)`;
      reject(new Error(`${setting}=${port} is in use: ${who}. Stop it, or set ${setting} to a free port.`));
    });
    probe.listen(port, () => probe.close(() => resolve()));
  });
}
