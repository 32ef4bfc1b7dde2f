/**
 * Keeps log output off the screen while the dashboard is up: writes to process.stdout and process.stderr are
 * held (the latest lines, bounded) and written out when the dashboard closes. The screen itself writes through
 * a view of stdout that keeps the original `write`.
 */

/** Lines held per stream at most; older ones are counted and dropped. */
export const HELD_LINES = 500;

/** Characters of an unfinished line held at most. */
const MAX_PARTIAL = 4096;

type Write = NodeJS.WriteStream['write'];

export interface HeldOutput {
  /** stdout for the screen: the real stream, with the original `write`. */
  readonly screenOutput: NodeJS.WriteStream;
  /** The latest complete line held, without escape codes (for a status display). */
  lastLine(): string | undefined;
  /** Puts the original `write`s back and writes what was held. Idempotent. */
  release(): void;
}

// CSI sequences (colours, "erase line") and lone carriage returns are a status line redrawing itself in place:
// only the text after the last CR of a line is what it finally said.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
export const cleanLine = (line: string): string => {
  const cr = line.lastIndexOf('\r');
  return (cr === -1 ? line : line.slice(cr + 1)).replace(ESCAPES, '');
};

class Held {
  private readonly lines: string[] = [];
  private partial = '';
  dropped = 0;

  add(chunk: unknown): void {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    const parts = (this.partial + text).split('\n');
    // A status line redrawn in place (`\r` and no `\n`) would grow the unfinished line forever: only what follows
    // its last `\r` is still to be seen, and an unfinished line is bounded anyway.
    const rest = parts.pop() ?? '';
    this.partial = rest.slice(rest.lastIndexOf('\r') + 1).slice(-MAX_PARTIAL);
    for (const p of parts) {
      const line = cleanLine(p);
      if (line === '') continue;
      this.lines.push(line);
      if (this.lines.length > HELD_LINES) {
        this.lines.shift();
        this.dropped++;
      }
    }
  }

  last(): string | undefined {
    return this.lines[this.lines.length - 1];
  }

  text(): string {
    const tail = cleanLine(this.partial);
    const all = tail === '' ? this.lines : [...this.lines, tail];
    const head =
      this.dropped > 0 ? [`(${this.dropped} earlier lines dropped while the dashboard was up)`] : [];
    return [...head, ...all].map((l) => `${l}\n`).join('');
  }
}

/** Replaces `stream.write` with `write`; returns the original (bound) and how to put it back. */
function swapWrite(stream: NodeJS.WriteStream, write: Write): { original: Write; restore: () => void } {
  const own = Object.getOwnPropertyDescriptor(stream, 'write');
  const original: Write = stream.write.bind(stream);
  stream.write = write;
  return {
    original,
    restore: () => {
      if (own) Object.defineProperty(stream, 'write', own);
      else delete (stream as { write?: Write }).write;
    },
  };
}

/** Starts holding the output of `process.stdout` and `process.stderr`. */
export function holdOutput(): HeldOutput {
  const out = process.stdout;
  const err = process.stderr;
  const held = { out: new Held(), err: new Held() };
  const holding =
    (h: Held): Write =>
    (chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean => {
      h.add(chunk);
      const cb = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
      if (typeof cb === 'function') queueMicrotask(() => (cb as (e?: Error | null) => void)(null));
      return true;
    };
  const swappedOut = swapWrite(out, holding(held.out));
  const swappedErr = swapWrite(err, holding(held.err));
  // Everything but `write` is the real stream (columns, rows, isTTY, resize events), bound to it.
  const screenOutput = new Proxy(out, {
    get(target, property) {
      if (property === 'write') return swappedOut.original;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  let released = false;
  return {
    screenOutput,
    lastLine: () => held.err.last() ?? held.out.last(),
    release: () => {
      if (released) return;
      released = true;
      swappedOut.restore();
      swappedErr.restore();
      const o = held.out.text();
      const e = held.err.text();
      if (o) out.write(o);
      if (e) err.write(e);
    },
  };
}
