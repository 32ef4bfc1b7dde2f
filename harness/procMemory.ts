/**
 * Memory of child processes, read from /proc/<pid>/status (Linux): VmHWM is the peak resident set size so far,
 * VmRSS the current one. A process that exits takes its figures with it, so they are sampled while it runs and
 * read a last time just before it is ended. The bench keeps each process's peak (`MemorySampler`); the fault
 * scenarios keep a series of one process's RSS (`sampleRss`) and its live heap after each full GC.
 */
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Peak resident set size so far, in MiB. */
  readonly peakMiB: number;
  /** Current resident set size, in MiB. */
  readonly rssMiB: number;
}

const field = (status: string, name: string): number | undefined => {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
};

/** The memory of `pid` now, or undefined when it has exited (or /proc is not there). */
export function readProcMemory(pid: number): ProcMemory | undefined {
  let status: string;
  try {
    // Synchronous on purpose: a few hundred bytes from procfs, and no await between reading and deciding.
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const peakMiB = field(status, 'VmHWM');
  const rssMiB = field(status, 'VmRSS');
  return peakMiB === undefined || rssMiB === undefined ? undefined : { peakMiB, rssMiB };
}

/**
 * CPU seconds (user + system) `pid` has used so far, from fields 14 and 15 of /proc/<pid>/stat, or undefined when
 * it has exited. The fields count clock ticks; Linux reports them at USER_HZ = 100 on every common architecture,
 * and Node cannot ask sysconf, so 100 is assumed (a 10 ms resolution).
 */
export function readProcCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : undefined;
}

/**
 * Samples the memory of named processes every `everyMs` and keeps each one's latest reading, so a process that
 * ends by itself (features with --count) still has its peak, as of its last sample before it exited.
 */
export class MemorySampler {
  private readonly pids = new Map<string, number>();
  private readonly last = new Map<string, ProcMemory>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 200) {
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  watch(name: string, pid: number): void {
    this.pids.set(name, pid);
    this.sampleOne(name, pid);
  }

  /** Reads every process now (call it right before ending them). */
  sample(): void {
    for (const [name, pid] of this.pids) this.sampleOne(name, pid);
  }

  /** The latest reading of `name`, if any. */
  reading(name: string): ProcMemory | undefined {
    return this.last.get(name);
  }

  /** Peak RSS per process name, in MiB. */
  peaks(): Record<string, number> {
    return Object.fromEntries([...this.last].map(([name, m]) => [name, m.peakMiB]));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sampleOne(name: string, pid: number): void {
    const m = readProcMemory(pid);
    if (m) this.last.set(name, m);
  }
}

/** Samples the RSS of `pid` (MiB) now and every `everyMs` until stopped; `stop()` returns the samples. */
export function sampleRss(pid: number, everyMs: number): { stop(): number[] } {
  const samples: number[] = [];
  const sample = (): void => {
    const m = readProcMemory(pid);
    if (m) samples.push(m.rssMiB);
  };
  sample();
  // Unref'd: a sampler a failed test forgot to stop must not keep the test process alive.
  const timer = setInterval(sample, everyMs).unref();
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

/**
 * The live heap (MiB) after each full garbage collection, from the `--trace-gc` lines a node process printed:
 * what the process really holds, unlike its RSS, which also counts the room V8 keeps for allocations to come.
 * Lines of other isolates (a loader thread) are left out: only the isolate with most collections counts.
 */
export function liveHeapAfterFullGcs(stdout: string): number[] {
  const byIsolate = new Map<string, number[]>();
  for (const m of stdout.matchAll(
    /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \(/gm,
  )) {
    const [, isolate = '', live = ''] = m;
    byIsolate.set(isolate, [...(byIsolate.get(isolate) ?? []), Number(live)]);
  }
  return [...byIsolate.values()].reduce<number[]>((a, b) => (b.length > a.length ? b : a), []);
}
