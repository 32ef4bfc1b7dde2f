/**
 * Readers of the pipeline's outputs as other programs read them while the services write: a PNG viewer that
 * opens the image at any moment, and `tail -f` on the metric log.
 */
import { open, readFile } from 'node:fs/promises';
import { crc32, inflateSync } from 'node:zlib';
import { METRIC_CSV_HEADER, parseMetricRow } from '../../src/core/metricCsv.js';
import { sleep } from '../../harness/poll.js';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Why `png` is not a whole, valid PNG, or undefined when it is: the signature, every chunk's length and CRC, IHDR
 * first, IEND last with nothing after it, and the image data inflating completely.
 */
export function pngProblem(png: Buffer): string | undefined {
  if (png.length < SIGNATURE.length || !png.subarray(0, 8).equals(SIGNATURE)) return 'no PNG signature';
  const idat: Buffer[] = [];
  let at = 8;
  for (let first = true; ; first = false) {
    if (at + 12 > png.length) return `truncated at byte ${at} of ${png.length} (no IEND)`;
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (end > png.length) return `chunk ${type} at ${at} runs past the end (${end} > ${png.length})`;
    if (first && type !== 'IHDR') return `first chunk is ${type}, not IHDR`;
    const crc = png.readUInt32BE(end - 4);
    if (crc32(png.subarray(at + 4, end - 4)) !== crc) return `bad CRC in chunk ${type} at ${at}`;
    if (type === 'IDAT') idat.push(png.subarray(at + 8, end - 4));
    at = end;
    if (type === 'IEND') break;
  }
  if (at !== png.length) return `${png.length - at} bytes after IEND`;
  try {
    inflateSync(Buffer.concat(idat));
  } catch (e) {
    return `image data does not inflate: ${(e as Error).message}`;
  }
  return undefined;
}

export interface PngPolls {
  readonly polls: number;
  /** Polls that found no file yet (before the first render). */
  readonly missing: number;
  /** Different images seen: how many re-renders the polls overlapped. */
  readonly distinct: number;
  readonly problems: readonly string[];
}

/** Reads the PNG `polls` times, `everyMs` apart, and checks each read. */
export async function pollPng(file: string, polls: number, everyMs: number): Promise<PngPolls> {
  const seen = new Set<number>();
  const problems: string[] = [];
  let missing = 0;
  for (let i = 0; i < polls; i++) {
    const png = await readFile(file).catch(() => undefined);
    if (png === undefined) missing++;
    else {
      const problem = pngProblem(png);
      if (problem) problems.push(`poll ${i}: ${problem}`);
      else seen.add(crc32(png));
    }
    await sleep(everyMs);
  }
  return { polls, missing, distinct: seen.size, problems };
}

export interface Tail {
  /** Reads that found new bytes. */
  readonly reads: number;
  /** Whole lines read, header included. */
  readonly lines: number;
  /** Reads that ended in the middle of a row: a reader that does not wait for the line feed saw half a row. */
  readonly endedMidRow: number;
  /** Whole lines that are neither the header nor a valid row. */
  readonly problems: readonly string[];
  /** Everything read, in order: it must equal the final file. */
  readonly text: string;
}

/**
 * Follows `file` like `tail -f` until `stop()` resolves true: reads whatever was appended, every `everyMs`.
 * Checks that every line it completes is the header or a valid row.
 */
export async function tailLog(file: string, everyMs: number, stop: () => boolean): Promise<Tail> {
  const problems: string[] = [];
  let text = '';
  let reads = 0;
  let lines = 0;
  let endedMidRow = 0;
  let pending = '';
  let offset = 0;
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let last = false; !last;) {
      last = stop();
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        reads++;
        const chunk = buf.toString('utf8', 0, bytesRead);
        text += chunk;
        const parts = (pending + chunk).split('\n');
        pending = parts.pop() ?? '';
        if (pending !== '') endedMidRow++;
        for (const line of parts) {
          lines++;
          if (lines === 1 ? line !== METRIC_CSV_HEADER : !parseMetricRow(line).ok)
            problems.push(`line ${lines} is not a row: ${JSON.stringify(line.slice(0, 80))}`);
        }
      }
      await sleep(everyMs);
    }
  } finally {
    await fh.close();
  }
  return { reads, lines, endedMidRow, problems, text };
}
