/**
 * Log lines: readable text or JSON lines with time, level, service, msg and fields; the level threshold; secrets
 * redacted in both; and a whole command whose stderr is only JSON lines.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { textLine, Terminal } from '../../src/cli/terminal.js';
import type { LogSettings } from '../../src/cli/logSettings.js';
import { runCli } from '../../harness/cli.js';

class Captured extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _e: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

function terminal(settings: LogSettings): { term: Terminal; err: Captured } {
  const err = new Captured();
  const out = new Captured() as unknown as NodeJS.WriteStream;
  return { term: new Terminal(out, err as unknown as NodeJS.WriteStream, false, settings), err };
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

describe('log lines', () => {
  it('as text: time, level, message, then the fields as key=value, quoted when they hold spaces', () => {
    const line = textLine(new Date(0), 'warn', 'dead letter', {
      topic: 'features',
      id: 7,
      reason: 'not json',
      no: undefined,
    });
    assert.equal(line, '1970-01-01T00:00:00.000Z warn  dead letter topic=features id=7 reason="not json"');
  });

  it('as JSON: one object per line with time, level, service, msg and the fields', () => {
    const { term, err } = terminal({ format: 'json', level: 'info', service: 'model' });
    term.log('warn', 'dead letter', { topic: 'features', id: 'r-1', reason: 'not_json' });
    term.log('info', 'connected');
    const parsed = lines(err.text).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(parsed.length, 2);
    assert.deepEqual(
      { ...parsed[0], time: undefined },
      {
        level: 'warn',
        time: undefined,
        service: 'model',
        msg: 'dead letter',
        topic: 'features',
        id: 'r-1',
        reason: 'not_json',
      },
    );
    assert.ok(!Number.isNaN(Date.parse(String(parsed[0]!.time))), 'time is an ISO date');
    assert.equal(parsed[1]!.msg, 'connected');
  });

  it('shows the threshold and what is more severe, nothing less', () => {
    for (const format of ['text', 'json'] as const) {
      const { term, err } = terminal({ format, level: 'warn', service: 'metric' });
      term.log('debug', 'd');
      term.log('info', 'i');
      term.log('warn', 'w');
      term.log('error', 'e');
      assert.equal(lines(err.text).length, 2, format);
      assert.ok(!/\bd\b|\bi\b/.test(err.text.replace(/"level":"\w+"|warn|error/g, '')), format);
    }
    const { term, err } = terminal({ format: 'text', level: 'debug', service: 'metric' });
    term.log('debug', 'shown');
    assert.match(err.text, /debug shown/);
  });

  it('hides broker passwords in the message and in string fields, in both formats', () => {
    for (const format of ['text', 'json'] as const) {
      const { term, err } = terminal({ format, level: 'info', service: 'model' });
      term.log('error', 'cannot reach amqp://guest:hunter2@broker:5672', { url: 'nats://s3cret@nats:4222' });
      assert.doesNotMatch(err.text, /hunter2|s3cret/, format);
      assert.match(err.text, /guest:\*\*\*@broker/, format);
    }
  });

  it('a whole run with --log-format json writes only JSON lines on stderr', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'log-json-'));
    try {
      const r = await runCli([
        '--transport=memory',
        '--count',
        '50',
        '--interval',
        '0',
        '--log-dir',
        dir,
        '--log-format',
        'json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const stderr = lines(r.stderr);
      assert.ok(stderr.length >= 2, 'it logged');
      for (const l of stderr) {
        const o = JSON.parse(l) as Record<string, unknown>;
        assert.deepEqual(
          [typeof o.time, typeof o.level, o.service, typeof o.msg],
          ['string', 'string', 'pipeline', 'string'],
          l,
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown level or format with exit code 2, naming the choices', async () => {
    for (const [flag, value] of [
      ['--log-level', 'loud'],
      ['--log-format', 'xml'],
    ] as const) {
      const r = await runCli(['train', flag, value]);
      assert.equal(r.code, 2, `${flag} ${value}`);
      assert.match(r.stderr, new RegExp(`${flag.slice(2)}.*${value}`, 's'));
    }
  });

  it('takes the level from PIPELINE_LOG_LEVEL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'log-level-'));
    try {
      const r = await runCli(['--transport=memory', '--count', '20', '--interval', '0', '--log-dir', dir], {
        env: { ...process.env, PIPELINE_LOG_LEVEL: 'warn' },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, / info /, 'no info lines at warn');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
