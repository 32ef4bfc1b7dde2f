/**
 * A terminal made of streams, for a blessed screen in tests and benches: keys are written to `input`, and the
 * screen draws to `output`, which keeps what was written (up to a bound) and has a size that can change.
 */
import { PassThrough, Writable } from 'node:stream';

export class FakeOutput extends Writable {
  readonly isTTY = true;
  columns: number;
  rows: number;
  /** Everything written, up to `keepBytes` (the latest are dropped beyond it). */
  written = '';
  bytes = 0;

  constructor(
    columns: number,
    rows: number,
    private readonly keepBytes = 1 << 20,
  ) {
    super();
    this.columns = columns;
    this.rows = rows;
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = chunk.toString();
    this.bytes += Buffer.byteLength(text);
    if (this.written.length < this.keepBytes) this.written += text;
    callback();
  }

  /** Changes the size, as a terminal window being resized does. */
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }

  getWindowSize(): [number, number] {
    return [this.columns, this.rows];
  }
}

export interface FakeTerminal {
  readonly input: PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void; isRaw: boolean };
  readonly output: FakeOutput;
}

export function fakeTerminal(columns: number, rows: number, keepBytes?: number): FakeTerminal {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    isRaw: false,
    setRawMode(raw: boolean) {
      input.isRaw = raw;
    },
  });
  return { input, output: new FakeOutput(columns, rows, keepBytes) };
}
