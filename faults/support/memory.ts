/** Samples a process's resident memory from /proc, for the flat-memory check of the join buffer. */
import { readFile } from 'node:fs/promises';

/** VmRSS of `pid` in MiB, or undefined when the process is gone (or there is no /proc). */
export async function rssMiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : undefined;
}

/** Samples `pid` every `everyMs` until stopped; `stop()` resolves with the samples. */
export function sampleRss(pid: number, everyMs: number): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const mib = await rssMiB(pid);
      if (mib !== undefined) samples.push(mib);
      // Unref'd: a sampler a failed test forgot to stop must not keep the test process alive.
      await new Promise((r) => setTimeout(r, everyMs).unref());
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
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
