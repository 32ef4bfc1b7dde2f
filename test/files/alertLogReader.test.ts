import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tempDir.js';
import type { AlertEventBody } from '../../src/core/summaryBody.js';
import { createAlertLogReader, parseAlertLine } from '../../src/files/alertLogReader.js';

const event = (record: number, state: AlertEventBody['state'] = 'firing'): AlertEventBody => ({
  at: '2025-01-01T00:00:00.000Z',
  rule: 'psi.bmi > 0.2',
  state,
  value: 0.31,
  threshold: 0.2,
  record,
});
const line = (e: AlertEventBody): string => `${JSON.stringify(e)}\n`;

describe('alert log reader', () => {
  const dir = tempDir('alert-log-');
  let n = 0;
  const file = (): string => join(dir(), `alerts-${n++}.jsonl`);

  it('reads a missing log as nothing', async () => {
    assert.deepEqual(await createAlertLogReader(file()).read(), {
      events: [],
      malformedLines: 0,
      restarted: false,
    });
  });

  it('reads complete lines only, and the rest of a half-written line next time', async () => {
    const f = file();
    const whole = line(event(10));
    const half = line(event(20, 'resolved'));
    await writeFile(f, whole + half.slice(0, 15));
    const reader = createAlertLogReader(f);
    assert.deepEqual((await reader.read()).events, [event(10)]);
    assert.deepEqual((await reader.read()).events, [], 'nothing new yet');
    await appendFile(f, half.slice(15));
    const next = await reader.read();
    assert.deepEqual(next.events, [event(20, 'resolved')]);
    assert.equal(next.malformedLines, 0);
  });

  it('counts and skips lines that are not alert events', async () => {
    const f = file();
    await writeFile(f, `not json\n${JSON.stringify({ rule: 'x' })}\n\n${line(event(5))}`);
    const chunk = await createAlertLogReader(f).read();
    assert.deepEqual(chunk.events, [event(5)]);
    assert.equal(chunk.malformedLines, 2);
  });

  it('starts over when the log shrinks', async () => {
    const f = file();
    await writeFile(f, line(event(1)) + line(event(2)));
    const reader = createAlertLogReader(f);
    assert.equal((await reader.read()).events.length, 2);
    await writeFile(f, line(event(3)));
    const chunk = await reader.read();
    assert.equal(chunk.restarted, true);
    assert.deepEqual(chunk.events, [event(3)]);
  });

  it('reads a long log over several reads, and skips a line longer than a read', async () => {
    const f = file();
    await writeFile(f, line(event(1)) + line(event(2)) + line(event(3)));
    const reader = createAlertLogReader(f, line(event(1)).length + 5);
    const got: number[] = [];
    for (let i = 0; i < 3; i++) got.push(...(await reader.read()).events.map((e) => e.record));
    assert.deepEqual(got, [1, 2, 3]);
    const g = file();
    await writeFile(g, `${'x'.repeat(500)}\n${line(event(4))}`);
    const small = createAlertLogReader(g, 200);
    const first = await small.read();
    assert.equal(first.malformedLines, 1);
    const rest: number[] = [];
    for (let i = 0; i < 5; i++) rest.push(...(await small.read()).events.map((e) => e.record));
    assert.deepEqual(rest, [4], 'carries on after it');
  });

  it('parses one line', () => {
    assert.deepEqual(parseAlertLine(JSON.stringify(event(7))), event(7));
    assert.equal(parseAlertLine('{"at":1}'), undefined);
  });
});
