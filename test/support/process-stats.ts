import { readFileSync } from 'node:fs';

/**
 * What benchmarks and the surge companions read of a live process from /proc (Linux): one reader instead of a
 * copy in each. Nulls when the process is gone or not ours to read.
 */

/** utime + stime in clock ticks (USER_HZ, 100 on every mainstream kernel). */
export function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** A VmHWM / VmRSS-style line of /proc/<pid>/status, in KiB. */
export function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const kib = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib);
  } catch {
    return null;
  }
}

/**
 * The whole machine's busy time so far, in clock ticks summed over every core: the first line of /proc/stat, every
 * field but idle and iowait (user, nice, system, irq, softirq, steal). Two readings apart give the core-seconds
 * everything spent between them (a benchmark's servers, clients and anything else running), null off Linux.
 */
export function machineBusyTicks(): number | null {
  try {
    return busyTicksOfProcStat(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return null;
  }
}

/** machineBusyTicks' parse of /proc/stat's text (exported for its unit test). */
export function busyTicksOfProcStat(text: string): number | null {
  const first = /^cpu\s+([\d ]+)/.exec(text)?.[1];
  if (first === undefined) return null;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = first.trim().split(/\s+/).map(Number);
  return user + nice + system + irq + softirq + steal;
}
