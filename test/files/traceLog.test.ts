/**
 * The trace file: one line per message in order, bounded by rotation to `<file>.1`, and a failing disk turns it
 * off with a warning instead of throwing.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { traceLine, TRACE_MAX_TEXT } from '../../src/core/traceLine.js';
import { TraceLog } from '../../src/files/traceLog.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const AT = Date.UTC(2024, 4, 1, 12);

describe('traceLine', () => {
  it('writes time, topic, id and body, from the envelope or from the bytes', () => {
    assert.equal(
      traceLine({ topic: 'y_true', data: new Uint8Array(), envelope: { id: 'r-1', body: 151 } }, AT),
      '2024-05-01T12:00:00.000Z y_true r-1 151\n',
    );
    assert.equal(
      traceLine({ topic: 'y_pred', data: bytes('{"id":7,"body":"oops"}') }, AT),
      '2024-05-01T12:00:00.000Z y_pred 7 "oops"\n',
      'a bad body is traced as it came',
    );
  });

  it('writes the raw text of an undecodable message, on one line and truncated', () => {
    assert.equal(
      traceLine({ topic: 'y_true', data: bytes('not\njson') }, AT),
      '2024-05-01T12:00:00.000Z y_true raw not\\njson\n',
    );
    const line = traceLine({ topic: 'y_true', data: bytes('x'.repeat(100_000)) }, AT);
    assert.ok(line.length < TRACE_MAX_TEXT + 100, `${line.length} characters`);
    assert.ok(line.endsWith('…\n'));
  });
});

const dir = await mkdtemp(join(tmpdir(), 'trace-test-'));
after(() => rm(dir, { recursive: true, force: true }));

describe('TraceLog', () => {
  it('appends lines in order and moves a full file to <file>.1, keeping one generation', async () => {
    const path = join(dir, 'labels_log.txt');
    const warnings: string[] = [];
    const trace = await TraceLog.open(path, { maxBytes: 1000, log: (_l, m) => warnings.push(m) });
    const line = (i: number): string => `line ${String(i).padStart(4, '0')} ${'.'.repeat(39)}\n`; // 50 bytes
    for (let i = 0; i < 15; i++) trace.write(line(i));
    await trace.close(); // 750 bytes, one batch
    for (let i = 15; i < 30; i++) trace.write(line(i));
    await trace.close(); // would be 1500: rotates first
    assert.equal(await readFile(`${path}.1`, 'utf8'), Array.from({ length: 15 }, (_, i) => line(i)).join(''));
    assert.equal(await readFile(path, 'utf8'), Array.from({ length: 15 }, (_, i) => line(i + 15)).join(''));
    for (let i = 30; i < 45; i++) trace.write(line(i));
    await trace.close();
    assert.match(await readFile(`${path}.1`, 'utf8'), /^line 0015/, 'the older generation is gone');
    assert.match(await readFile(path, 'utf8'), /^line 0030/);
    assert.deepEqual(warnings, []);
    assert.ok(trace.on);
  });

  it('warns once and turns itself off when it cannot write, never throwing', async () => {
    const path = join(dir, 'a-folder');
    await mkdir(path);
    const warnings: string[] = [];
    const trace = await TraceLog.open(path, { log: (level, m) => warnings.push(`${level} ${m}`) });
    trace.write('one\n');
    await trace.close();
    trace.write('two\n');
    await trace.close();
    assert.equal(trace.on, false);
    assert.equal(warnings.length, 1, warnings.join(' | '));
    assert.match(warnings[0]!, /^warn trace .*a-folder: .*tracing is off/);
  });
});
