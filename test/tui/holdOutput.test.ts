import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cleanLine, HELD_LINES, holdOutput, type HeldOutput } from '../../src/tui/holdOutput.js';

/**
 * Runs `body` with stderr replaced by a recorder standing in for the terminal (so that the test runner's own
 * output stays out of the check); returns what reached it. Whatever happens, everything is put back.
 */
function withRecordedStderr(body: (held: HeldOutput, reached: () => string) => void): string {
  const own = Object.getOwnPropertyDescriptor(process.stderr, 'write');
  let reached = '';
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    reached += String(chunk);
    return true;
  };
  try {
    const held = holdOutput();
    try {
      body(held, () => reached);
    } finally {
      held.release();
      held.release();
    }
  } finally {
    if (own) Object.defineProperty(process.stderr, 'write', own);
    else delete (process.stderr as { write?: unknown }).write;
  }
  return reached;
}

describe('holdOutput', () => {
  it('holds stdout and stderr writes while the screen is up and writes them out on release', () => {
    const out = withRecordedStderr((held, reached) => {
      process.stderr.write('2024-01-01T00:00:00Z warn  nats: reconnecting\n');
      console.error('from console.error');
      // A status line redrawn in place, then cleared for the next log line (as src/cli/terminal.ts does).
      process.stderr.write('\r\x1b[2Krecords 12 | nats reconnecting');
      process.stderr.write('\r\x1b[2Kerror boom\n');
      assert.equal(reached(), '', 'nothing reaches the terminal while held');
      assert.equal(held.lastLine(), 'error boom');
      assert.equal(typeof held.screenOutput.write, 'function');
      assert.equal(held.screenOutput.isTTY, process.stdout.isTTY, 'the screen sees the real stream');
    });
    assert.equal(out, '2024-01-01T00:00:00Z warn  nats: reconnecting\nfrom console.error\nerror boom\n');
  });

  it('keeps the latest lines only, saying how many it dropped', () => {
    const out = withRecordedStderr(() => {
      for (let i = 0; i < HELD_LINES + 10; i++) process.stderr.write(`line ${i}\n`);
    });
    const lines = out.trimEnd().split('\n');
    assert.equal(lines[0], '(10 earlier lines dropped while the dashboard was up)');
    assert.equal(lines[1], 'line 10');
    assert.equal(lines.at(-1), `line ${HELD_LINES + 9}`);
  });

  it('holds a status line redrawn in place as one line, however often it is redrawn', () => {
    const out = withRecordedStderr(() => {
      for (let i = 0; i < 100_000; i++) process.stderr.write(`\r\x1b[2Krecords ${i} | memory connected`);
    });
    assert.equal(out, 'records 99999 | memory connected\n');
  });

  it('cleanLine keeps what a line finally says, without escape codes', () => {
    assert.equal(cleanLine('\r\x1b[2Kold status\r\x1b[2K\x1b[31mnew\x1b[0m'), 'new');
  });
});
