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
