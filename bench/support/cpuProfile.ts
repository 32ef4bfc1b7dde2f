/**
 * Reading a V8 CPU profile (`node --cpu-prof` writes one as JSON): which functions the samples landed in, by
 * self time. Pure. For the flame graph itself, open the .cpuprofile file in Chrome DevTools or speedscope.
 */

/** The parts of the .cpuprofile format this reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  /** The node each sample landed in. */
  readonly samples: readonly number[];
  /** Microseconds before each sample (the first relative to `startTime`). */
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly functionName: string;
  /** `file:line`, relative to `root` when under it; empty for V8's own entries (GC, program, idle). */
  readonly location: string;
  readonly selfMs: number;
  /** Share of all sampled time, idle included, in percent. */
  readonly selfPercent: number;
}

/**
 * The `top` entries by self time, functions of the same name and place summed over their call sites. A sample's
 * time is the delta to the next sample (the sample's own delta is the time before it, spent elsewhere).
 */
export function topSelfTime(profile: CpuProfile, top: number, root = ''): ProfileEntry[] {
  const keyOf = new Map<number, string>();
  const entries = new Map<string, { functionName: string; location: string; micros: number }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    let file = url.replace(/^file:\/\//, '');
    if (root && file.startsWith(root)) file = file.slice(root.length).replace(/^\//, '');
    const location = file ? `${file}:${lineNumber + 1}` : '';
    const name = functionName || '(anonymous)';
    const key = `${name}@${location}`;
    keyOf.set(node.id, key);
    if (!entries.has(key)) entries.set(key, { functionName: name, location, micros: 0 });
  }
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const micros = profile.timeDeltas[i + 1] ?? 0;
    total += micros;
    const entry = entries.get(keyOf.get(profile.samples[i] as number) ?? '');
    if (entry) entry.micros += micros;
  }
  return [...entries.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, top)
    .map((e) => ({
      functionName: e.functionName,
      location: e.location,
      selfMs: e.micros / 1000,
      selfPercent: total > 0 ? (100 * e.micros) / total : 0,
    }));
}

/** The entries as a Markdown table. */
export function formatProfile(entries: readonly ProfileEntry[]): string {
  const rows = entries.map(
    (e, i) =>
      `| ${i + 1} | ${e.selfMs.toFixed(0)} | ${e.selfPercent.toFixed(1)} | \`${e.functionName}\` | ${e.location} |`,
  );
  return ['| # | self ms | self % | function | where |', '| -: | -: | -: | --- | --- |', ...rows].join('\n');
}
