/**
 * The group-commit writer over a fake log whose writes the test settles: what goes in one write, when messages are
 * acked, the retries of a failing write, and a stop while a write is under way.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Delivery } from '../../src/core/transport.js';
import { groupCommitWriter, type AppendLog, type CommitRow } from '../../src/delivery/groupCommitWriter.js';
import { InFlight } from '../../src/delivery/inFlight.js';

/** What happened to the messages, in order: `ack a`, `working a`… */
type Journal = string[];

function delivery(name: string, journal: Journal): Delivery {
  return {
    topic: 'y_true',
    data: new Uint8Array(),
    redelivered: false,
    deliveryCount: 1,
    ack: () => void journal.push(`ack ${name}`),
    nack: () => void journal.push(`nack ${name}`),
    deadLetter: () => Promise.reject(new Error('not expected')),
    working: () => void journal.push(`working ${name}`),
  };
}

interface Row extends CommitRow {
  readonly name: string;
}

/** A log whose writes succeed or fail when the test says so. */
class FakeLog implements AppendLog {
  readonly path = '/logs/metric_log.csv';
  readonly writes: string[] = [];
  private settle: ((error?: Error) => void) | undefined;

  append(text: string): Promise<void> {
    this.writes.push(text);
    return new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
  }

  /** Settles the write under way, then lets the writer react. */
  async finish(error?: Error): Promise<void> {
    const settle = this.settle;
    assert.ok(settle, 'a write is under way');
    this.settle = undefined;
    settle(error);
    await turn();
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(options: { retryDelayMs?: number } = {}) {
  const journal: Journal = [];
  const log = new FakeLog();
  const inFlight = new InFlight();
  const failures: unknown[] = [];
  const retries: string[] = [];
  const written: string[][] = [];
  const delays: number[] = [];
  const writer = groupCommitWriter<Row>({
    log,
    format: (row) => `${row.name}\n`,
    retryDelayMs: options.retryDelayMs ?? 10,
    run: (work) => void inFlight.track(work).catch((e: unknown) => failures.push(e)),
    onRetry: (reason) => retries.push(reason),
    onWritten: (batch) => {
      journal.push(`written ${batch.map((r) => r.name).join(',')}`);
      written.push(batch.map((r) => r.name));
    },
    sleep: (ms) => {
      delays.push(ms);
      return Promise.resolve();
    },
  });
  const row = (name: string): Row => ({
    name,
    deliveries: [delivery(`${name}.t`, journal), delivery(`${name}.p`, journal)],
  });
  return { journal, log, inFlight, failures, retries, written, delays, writer, row };
}

describe('groupCommitWriter', () => {
  it('writes the rows added together in one write, and those added during a write in the next', async () => {
    const { log, writer, row, written } = setup();
    writer.add(row('a'));
    writer.add(row('b'));
    await turn();
    assert.deepEqual(log.writes, ['a\nb\n'], 'one write for the burst');
    writer.add(row('c'));
    writer.add(row('d'));
    writer.add(row('e'));
    await turn();
    assert.equal(log.writes.length, 1, 'no second write while the first is under way');
    await log.finish();
    assert.deepEqual(log.writes, ['a\nb\n', 'c\nd\ne\n']);
    await log.finish();
    assert.deepEqual(written, [
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    writer.add(row('f'));
    await turn();
    assert.deepEqual(log.writes.at(-1), 'f\n', 'an idle writer starts a write for the next row');
  });

  it('acks the messages of a row only once its write is durable, then reports the batch', async () => {
    const { journal, log, writer, row } = setup();
    writer.add(row('a'));
    await turn();
    assert.deepEqual(journal, [], 'nothing acked while the write is under way');
    await log.finish();
    assert.deepEqual(journal, ['ack a.t', 'ack a.p', 'written a']);
  });

  it('retries a failing write with doubling delays up to 5 s, the messages unacked and marked working', async () => {
    const { journal, log, writer, row, retries, delays, failures } = setup({ retryDelayMs: 1500 });
    writer.add(row('a'));
    await turn();
    for (let i = 0; i < 3; i++) await log.finish(new Error('ENOSPC for amqp://user:secret@host'));
    assert.deepEqual(delays, [1500, 3000, 5000]);
    assert.deepEqual(log.writes, ['a\n', 'a\n', 'a\n', 'a\n'], 'the same rows written again');
    assert.equal(retries.length, 3);
    assert.match(retries[0] ?? '', /^writing \/logs\/metric_log\.csv failed, retrying: ENOSPC/);
    assert.doesNotMatch(retries[0] ?? '', /secret/, 'credentials redacted');
    assert.deepEqual(journal, [
      'working a.t',
      'working a.p',
      'working a.t',
      'working a.p',
      'working a.t',
      'working a.p',
    ]);
    await log.finish();
    assert.deepEqual(journal.slice(6), ['ack a.t', 'ack a.p', 'written a']);
    assert.deepEqual(failures, []);
  });

  it('counts a write as in flight until it is acked, so a stop can wait for it', async () => {
    const { journal, log, writer, row, inFlight } = setup();
    writer.add(row('a'));
    let idle = false;
    void inFlight.whenIdle().then(() => (idle = true));
    await turn();
    writer.add(row('b'));
    await log.finish();
    assert.equal(idle, false, 'the next batch is still to be written');
    writer.close();
    await log.finish();
    assert.equal(idle, true);
    assert.deepEqual(journal, ['ack a.t', 'ack a.p', 'written a', 'ack b.t', 'ack b.p', 'written b']);
  });

  it('after close, stops retrying: the failure is reported and the messages stay unacked', async () => {
    const { journal, log, writer, row, failures, inFlight } = setup();
    writer.add(row('a'));
    await turn();
    await log.finish(new Error('EIO'));
    writer.close();
    await log.finish(new Error('EIO again'));
    await inFlight.whenIdle();
    assert.deepEqual(
      failures.map((e) => (e as Error).message),
      ['EIO again'],
    );
    assert.deepEqual(journal, ['working a.t', 'working a.p'], 'no ack, no nack: the broker redelivers them');
  });
});
