import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { wallNow } from './clock';

/** Kernel clock ticks per second: the unit of utime/stime in /proc/<pid>/stat. */
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString()) || 100;

function statFields(pid: number): { name: string; fields: string[] } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The name is in parentheses and may itself contain spaces or ')'.
  return { name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') };
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const { fields } = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // fields 14 and 15 of stat(5): utime, stime
}

/** Resident memory in bytes (VmRSS). */
export function rssBytesOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line[1]) * 1024;
}

/** CPU seconds so far of each process with this command name (e.g. `beam.smp`, `postgres`), by pid. */
function cpuSecondsByPid(name: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = statFields(Number(entry));
      if (stat.name === name) byPid.set(Number(entry), (Number(stat.fields[11]) + Number(stat.fields[12])) / TICKS);
    } catch {
      // The process ended between listing and reading.
    }
  }
  return byPid;
}

/**
 * CPU of all processes with this name (box-wide: other users' work
 * included), as % of one core since `new`: the processes alive at the end,
 * each counted from the start or from 0 when it started since (what a
 * process that ended meanwhile used is not seen).
 */
export class NamedCpuMeter {
  private readonly start: Map<number, number>;
  private readonly startAt = wallNow();

  constructor(private readonly name: string) {
    this.start = cpuSecondsByPid(name);
  }

  percent(): number {
    let used = 0;
    for (const [pid, seconds] of cpuSecondsByPid(this.name)) used += seconds - (this.start.get(pid) ?? 0);
    return (used / ((wallNow() - this.startAt) / 1000)) * 100;
  }
}

/** CPU used between `new` and `percent()`, as % of one core. */
export class CpuMeter {
  private readonly startCpu: number;
  private readonly startAt = wallNow();

  constructor(private readonly read: () => number) {
    this.startCpu = read();
  }

  percent(): number {
    const seconds = (wallNow() - this.startAt) / 1000;
    return seconds > 0 ? ((this.read() - this.startCpu) / seconds) * 100 : 0;
  }
}

/** This process's own CPU seconds (what a generator reports about itself). */
export const ownCpuSeconds = (): number => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
};
