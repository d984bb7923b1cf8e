/*
 * CPU and memory of a process and all its descendants, read from /proc (Linux).
 * A load generator shares the machine's cores with the server under test, so
 * the comparison charges each tool every CPU tick of its whole process tree
 * (threads are inside a process's own utime/stime; reaped children are in the
 * parent's cutime/cstime), sampled often enough to see when the load ran.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux build this runs on
const PAGE_BYTES = 4096;

export interface TreeSample {
  atMs: number; // wall clock (Date.now())
  cpuMs: number; // utime + stime (+ reaped children) of the whole tree
  rssBytes: number; // sum of the live processes' resident sets
}

interface ProcStat {
  pid: number;
  ppid: number;
  cpuTicks: number;
  rssPages: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const n = (i: number): number => Number(f[i - 3]);
    return { pid, ppid: n(4), cpuTicks: n(14) + n(15) + n(16) + n(17), rssPages: n(24) };
  } catch {
    return undefined; // exited between readdir and read
  }
}

export function sampleTree(rootPid: number): TreeSample {
  const all = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = readStat(pid);
    if (s) all.set(pid, s);
  }
  const inTree = new Set<number>([rootPid]);
  // Parents can have higher pids than children after wrap-around: iterate to a fixed point.
  for (let grew = true; grew; ) {
    grew = false;
    for (const s of all.values()) {
      if (!inTree.has(s.pid) && inTree.has(s.ppid)) {
        inTree.add(s.pid);
        grew = true;
      }
    }
  }
  let ticks = 0;
  let pages = 0;
  for (const pid of inTree) {
    const s = all.get(pid);
    if (!s) continue;
    ticks += s.cpuTicks;
    pages += s.rssPages;
  }
  return { atMs: Date.now(), cpuMs: (ticks * 1000) / TICKS_PER_SECOND, rssBytes: pages * PAGE_BYTES };
}

/** Samples a tree every intervalMs until stopped; keeps every sample (a few hundred per run). */
export class ProcessTreeSampler {
  readonly samples: TreeSample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly rootPid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): this {
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  take(): void {
    const s = sampleTree(this.rootPid);
    // A tree whose processes have all exited reads as zero: keep the last real figure instead.
    if (s.cpuMs > 0 || this.samples.length === 0) this.samples.push(s);
  }

  peakRssBytes(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.rssBytes), 0);
  }

  /** CPU spent between two wall-clock instants, interpolated between the samples around them. */
  cpuMsBetween(fromMs: number, toMs: number): number {
    return this.cpuAt(toMs) - this.cpuAt(fromMs);
  }

  private cpuAt(atMs: number): number {
    const s = this.samples;
    if (s.length === 0) return 0;
    if (atMs <= s[0]!.atMs) return s[0]!.cpuMs;
    for (let i = 1; i < s.length; i++) {
      const b = s[i]!;
      if (b.atMs >= atMs) {
        const a = s[i - 1]!;
        return a.cpuMs + ((b.cpuMs - a.cpuMs) * (atMs - a.atMs)) / Math.max(1, b.atMs - a.atMs);
      }
    }
    return s[s.length - 1]!.cpuMs;
  }
}
