/**
 * The metric service over the in-memory transport and a real CSV file: the join by id, the rows it logs, and what
 * happens to duplicates, bad messages, lonely records, restarts and stops.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from 'rxjs';
import { decodeEnvelope, encodeEnvelope } from '../../src/core/codec.js';
import type { Envelope, RecordId } from '../../src/core/envelope.js';
import { metricsBody, type MetricRecord } from '../../src/core/metricsBody.js';
import { METRIC_CSV_HEADER, parseMetricRow } from '../../src/core/metricCsv.js';
import { METRICS, Y_PRED, Y_TRUE, type Topic } from '../../src/core/topics.js';
import type { Delivery } from '../../src/core/transport.js';
import { CsvAppender } from '../../src/files/csvAppender.js';
import {
  METRICS_CHUNK_RECORDS,
  metricService,
  type MetricServiceOptions,
} from '../../src/services/metric.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { until } from '../../harness/poll.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

interface Running {
  readonly events: ServiceEvent[];
  readonly kinds: (kind: ServiceEvent['kind']) => ServiceEvent[];
  /** Aborts the service and resolves once its stream has completed (rejects if it errored). */
  stop(): Promise<void>;
}

function start(t: MemoryTransport, csv: CsvAppender, options: MetricServiceOptions = {}): Running {
  const ac = new AbortController();
  const events: ServiceEvent[] = [];
  const done = new Promise<void>((resolve, reject) => {
    metricService(t, csv, { prefetch: 100, signal: ac.signal, ...options }).subscribe({
      next: (e) => events.push(e),
      error: reject,
      complete: resolve,
    });
  });
  return {
    events,
    kinds: (kind) => events.filter((e) => e.kind === kind),
    stop: () => {
      ac.abort();
      return done;
    },
  };
}

/** Reads every message of a topic's dead-letter queue that is there now. */
function deadLetters(t: MemoryTransport, topic: Topic): Delivery[] {
  const got: Delivery[] = [];
  const sub = t.consumeDeadLetters(topic).subscribe((d) => {
    got.push(d);
    d.ack();
  });
  sub.unsubscribe();
  return got;
}

const text = (d: Delivery): string => new TextDecoder().decode(d.data);

describe('metric service', () => {
  let root: string;
  let n = 0;
  let csvFile: string;
  const rows = async (): Promise<MetricRecord[]> => {
    const lines = (await readFile(csvFile, 'utf8')).split('\n');
    assert.equal(lines.shift(), METRIC_CSV_HEADER);
    assert.equal(lines.pop(), '', 'the file ends with a line feed');
    return lines.map((line) => {
      const r = parseMetricRow(line);
      assert.ok(r.ok, `a valid row: ${line}`);
      return r.value;
    });
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'metric-test-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  const fresh = async (): Promise<{ t: MemoryTransport; csv: CsvAppender }> => {
    csvFile = join(root, `metric_log-${n++}.csv`);
    return { t: new MemoryTransport(), csv: await CsvAppender.open(csvFile, { fsync: false }) };
  };

  it('joins y_true and y_pred in either order and logs |y_true - y_pred| at full precision, one row per id', async () => {
    const { t, csv } = await fresh();
    const broadcast: Delivery[] = [];
    const watch: Subscription = t.consume(METRICS).subscribe((d) => {
      broadcast.push(d);
      d.ack();
    });
    const svc = start(t, csv);
    const values: [RecordId, number, number][] = [
      ['true-first', 0.1 + 0.2, 1 / 3],
      ['pred-first', 151.00000000000003, 150.99999999999997],
      [1669147134.196809, 1e-17, -2.5e-300],
      ['17', 25, 25],
    ];
    const [a, b, c, d] = values as [
      (typeof values)[0],
      (typeof values)[0],
      (typeof values)[0],
      (typeof values)[0],
    ];
    await t.publish(Y_TRUE, { id: a[0], body: a[1] });
    await t.publish(Y_PRED, { id: a[0], body: a[2] });
    await t.publish(Y_PRED, { id: b[0], body: b[2] });
    await t.publish(Y_TRUE, { id: b[0], body: b[1] });
    await t.publish(Y_PRED, { id: c[0], body: c[2] });
    await t.publish(Y_TRUE, { id: d[0], body: d[1] });
    await t.publish(Y_TRUE, { id: c[0], body: c[1] });
    await t.publish(Y_PRED, { id: d[0], body: d[2] });
    // Many ids, predictions in the reverse order of their targets.
    for (let i = 0; i < 40; i++) await t.publish(Y_TRUE, { id: `bulk-${i}`, body: i * 1.1 });
    for (let i = 39; i >= 0; i--) await t.publish(Y_PRED, { id: `bulk-${i}`, body: i / 7 });
    for (let i = 0; i < 40; i++) values.push([`bulk-${i}`, i * 1.1, i / 7]);

    await until(() => svc.kinds('joined').length === values.length, 'every record joined');
    // A message per write batch, carrying the batch's records.
    const broadcastRecords = (): MetricRecord[] =>
      broadcast.flatMap((m) => m.envelope?.body as MetricRecord[]);
    await until(() => broadcastRecords().length === values.length, 'every record broadcast');
    await svc.stop();
    await csv.close();

    const logged = await rows();
    assert.equal(logged.length, values.length, 'one row per id');
    const byId = new Map(logged.map((r) => [r.id, r]));
    for (const [id, yTrue, yPred] of values) {
      const r = byId.get(id);
      assert.ok(r, `a row for ${String(id)}`);
      assert.ok(Object.is(r.y_true, yTrue) && Object.is(r.y_pred, yPred), `values of ${String(id)} exactly`);
      assert.ok(Object.is(r.absolute_error, Math.abs(yTrue - yPred)), `error of ${String(id)} exactly`);
    }
    assert.equal(typeof byId.get(1669147134.196809)?.id, 'number');
    assert.equal(typeof byId.get('17')?.id, 'string', 'a string id that reads as a number stays a string');
    const joined = new Map(svc.events.flatMap((e) => (e.kind === 'joined' ? [[e.record.id, e.record]] : [])));
    for (const r of logged) assert.deepEqual(joined.get(r.id), r, `the joined event of ${String(r.id)}`);
    for (const r of broadcastRecords())
      assert.deepEqual(byId.get(r.id), r, `the broadcast of ${String(r.id)}`);
    assert.deepEqual(new Set(broadcastRecords().map((r) => r.id)), new Set(values.map((v) => v[0])));
    assert.equal(t.depth(Y_TRUE) + t.depth(Y_PRED), 0, 'every message acked');
    watch.unsubscribe();
    await t.close();
  });

  it('broadcasts a write batch on `metrics` in messages of at most 500 records, each with its id', async () => {
    const { t, csv } = await fresh();
    const messages: Envelope<unknown>[] = [];
    const watch: Subscription = t.consume(METRICS, { prefetch: 10 }).subscribe((d) => {
      assert.ok(d.envelope);
      messages.push(d.envelope);
      d.ack();
    });
    const n = 2 * METRICS_CHUNK_RECORDS + 234;
    const svc = start(t, csv, { prefetch: 2 * n });
    // Delivered synchronously by the memory transport: every record joins before the first write starts, so all
    // of them share one write batch.
    for (let i = 0; i < n; i++) assert.ok(t.tryPublish(Y_TRUE, { id: `b-${i}`, body: i * 1.5 }));
    for (let i = n - 1; i >= 0; i--) assert.ok(t.tryPublish(Y_PRED, { id: `b-${i}`, body: i / 3 }));
    await until(() => svc.kinds('joined').length === n, 'every record joined');
    const carried = (): number => messages.reduce((k, m) => k + (m.body as MetricRecord[]).length, 0);
    await until(() => carried() === n, 'every record broadcast');
    await svc.stop();
    await csv.close();

    assert.equal(messages.length, Math.ceil(n / METRICS_CHUNK_RECORDS));
    assert.deepEqual(
      messages.map((m) => (m.body as MetricRecord[]).length),
      [METRICS_CHUNK_RECORDS, METRICS_CHUNK_RECORDS, 234],
    );
    const sent = messages.flatMap((m) => m.body as MetricRecord[]);
    for (const m of messages) assert.equal(m.id, (m.body as MetricRecord[])[0]?.id, "the first record's id");
    assert.deepEqual(sent, await rows(), 'the records as logged, in the same order');
    assert.deepEqual(
      sent.map((r) => r.id),
      Array.from({ length: n }, (_, i) => `b-${n - 1 - i}`),
    );
    for (const r of sent) {
      const i = Number(String(r.id).slice(2));
      assert.deepEqual(r, {
        id: `b-${i}`,
        y_true: i * 1.5,
        y_pred: i / 3,
        absolute_error: Math.abs(i * 1.5 - i / 3),
      });
    }
    // What a transport carrying bytes would send, and what a dashboard reads back from it.
    const decoded = messages.map((m) => decodeEnvelope(encodeEnvelope(m), metricsBody));
    assert.deepEqual(
      decoded.flatMap((d) => (d.ok ? d.value.body : [])),
      sent,
    );
    watch.unsubscribe();
    await t.close();
  });

  it('absorbs redelivered duplicates: one row, and a duplicate event for each copy', async () => {
    const { t, csv } = await fresh();
    const svc = start(t, csv);
    await t.publish(Y_TRUE, { id: 'dup', body: 3 });
    await t.publish(Y_TRUE, { id: 'dup', body: 3 }); // a second copy while the first waits
    await t.publish(Y_PRED, { id: 'dup', body: 1 });
    await until(() => svc.kinds('joined').length === 1, 'the join');
    await t.publish(Y_TRUE, { id: 'dup', body: 3 }); // copies after the row was written
    await t.publish(Y_PRED, { id: 'dup', body: 1 });
    await until(() => svc.kinds('duplicate').length === 3, 'three duplicates');
    await svc.stop();
    await csv.close();
    assert.deepEqual(await rows(), [{ id: 'dup', y_true: 3, y_pred: 1, absolute_error: 2 }]);
    assert.deepEqual(
      svc.kinds('duplicate').map((e) => (e.kind === 'duplicate' ? e.topic : '')),
      ['y_true', 'y_true', 'y_pred'],
    );
    assert.equal(t.depth(Y_TRUE) + t.depth(Y_PRED), 0, 'duplicates are acked');
    await t.close();
  });

  it('dead-letters messages it cannot read, with their reason, and joins nothing of them', async () => {
    const { t, csv } = await fresh();
    const svc = start(t, csv);
    await t.publishRaw(Y_TRUE, bytes('{"id": "cut", "body": 1'));
    await t.publishRaw(Y_TRUE, bytes('{"id": "py-nan", "body": NaN}'));
    await t.publish(Y_TRUE, { id: null as unknown as RecordId, body: 1 }); // a producer that bypassed the types
    await t.publish(Y_PRED, { id: 'text', body: '151.0' });
    await t.publish(Y_PRED, { id: 'nan', body: NaN });
    await t.publish(Y_PRED, { id: 'vector', body: [1, 2] });
    await until(() => svc.kinds('dead-lettered').length === 6, 'six dead letters');
    await svc.stop();
    await csv.close();

    const codes = svc
      .kinds('dead-lettered')
      .map((e) => (e.kind === 'dead-lettered' ? `${e.topic}:${e.code}` : ''));
    assert.deepEqual(codes.sort(), [
      'y_pred:bad_body',
      'y_pred:bad_body',
      'y_pred:bad_body',
      'y_true:bad_id',
      'y_true:not_json',
      'y_true:not_json',
    ]);
    const reasons = (topic: Topic): Map<string, string | undefined> =>
      new Map(deadLetters(t, topic).map((d) => [text(d), d.deadLetterReason]));
    const trueReasons = reasons(Y_TRUE);
    assert.match(trueReasons.get('{"id": "cut", "body": 1') ?? '', /not JSON/);
    assert.match(trueReasons.get('{"id": "py-nan", "body": NaN}') ?? '', /not JSON/);
    assert.match(trueReasons.get('{"id":null,"body":1}') ?? '', /id must be .*got null/);
    const predReasons = reasons(Y_PRED);
    assert.match(
      predReasons.get('{"id":"text","body":"151.0"}') ?? '',
      /body must be a finite number, got a string/,
    );
    assert.match(predReasons.get('{"id":"nan","body":NaN}') ?? '', /got number NaN/);
    assert.match(predReasons.get('{"id":"vector","body":[1,2]}') ?? '', /got an array/);
    assert.deepEqual(await rows(), []);
    assert.equal(svc.kinds('joined').length, 0);
    await t.close();
  });

  it('dead-letters a record whose partner does not come within the TTL, as unmatched', async () => {
    const { t, csv } = await fresh();
    const svc = start(t, csv, { ttlMs: 50 });
    await t.publish(Y_TRUE, { id: 'lonely', body: 1 });
    await t.publish(Y_TRUE, { id: 'paired', body: 2 });
    await t.publish(Y_PRED, { id: 'paired', body: 2.5 });
    await until(() => svc.kinds('unmatched').length === 1, 'the unmatched event');
    await svc.stop();
    await csv.close();
    const [event] = svc.kinds('unmatched');
    assert.ok(event?.kind === 'unmatched');
    assert.equal(event.topic, 'y_true');
    assert.match(event.reason, /^unmatched: no y_pred for id lonely within 50 ms$/);
    const dead = deadLetters(t, Y_TRUE);
    assert.deepEqual(
      dead.map((d) => [text(d), d.deadLetterReason]),
      [['{"id":"lonely","body":1}', event.reason]],
    );
    assert.equal(t.depth(Y_TRUE), 0, 'acked once dead-lettered');
    assert.deepEqual(
      (await rows()).map((r) => r.id),
      ['paired'],
    );
    await t.close();
  });

  it('settles the copies of a record that went unmatched with it, holding nothing back', async () => {
    const { t, csv } = await fresh();
    const svc = start(t, csv, { ttlMs: 50 });
    await t.publish(Y_TRUE, { id: 'twice', body: 1 });
    await t.publish(Y_TRUE, { id: 'twice', body: 1 }); // a redelivered copy while the first waits
    await until(() => svc.kinds('unmatched').length === 1, 'the unmatched event');
    await until(() => t.depth(Y_TRUE) === 0, 'both copies settled');
    await svc.stop();
    await csv.close();
    assert.equal(svc.kinds('duplicate').length, 1);
    assert.equal(deadLetters(t, Y_TRUE).length, 1, 'one dead letter for the record');
    await t.close();
  });

  it('dead-letters the oldest waiting record when the join buffer is full', async () => {
    const { t, csv } = await fresh();
    const svc = start(t, csv, { maxPending: 2 });
    for (const id of ['w-0', 'w-1', 'w-2']) await t.publish(Y_PRED, { id, body: 0 });
    await until(() => svc.kinds('unmatched').length === 1, 'an eviction');
    await svc.stop();
    await csv.close();
    const dead = deadLetters(t, Y_PRED);
    assert.equal(dead.length, 1);
    assert.match(
      dead[0]?.deadLetterReason ?? '',
      /^unmatched: join buffer full, id w-0 evicted before its y_true came$/,
    );
    await t.close();
  });

  it('writes no second row after a restart for an id the log already holds', async () => {
    const { t, csv } = await fresh();
    const float = 1669147134.196809;
    const first = start(t, csv);
    await t.publish(Y_TRUE, { id: 'a', body: 1 });
    await t.publish(Y_PRED, { id: 'a', body: 2 });
    await t.publish(Y_TRUE, { id: float, body: 3 });
    await t.publish(Y_PRED, { id: float, body: 5 });
    await until(() => first.kinds('joined').length === 2, 'two joins');
    await first.stop();
    await csv.close();

    // Crashed before acking: the broker redelivers both records to the restarted service.
    const reopened = await CsvAppender.open(csvFile, { fsync: false });
    const t2 = new MemoryTransport();
    const second = start(t2, reopened, { alreadyJoined: reopened.existingKeys });
    for (const topic of [Y_TRUE, Y_PRED]) {
      await t2.publish(topic, { id: 'a', body: 1 });
      await t2.publish(topic, { id: float, body: 4 });
    }
    await t2.publish(Y_TRUE, { id: 'new', body: 10 });
    await t2.publish(Y_PRED, { id: 'new', body: 7 });
    await until(() => second.kinds('joined').length === 1 && second.kinds('duplicate').length === 4, 'dedup');
    await second.stop();
    await reopened.close();
    assert.deepEqual(
      (await rows()).map((r) => r.id),
      ['a', float, 'new'],
    );
    assert.equal(t2.depth(Y_TRUE) + t2.depth(Y_PRED), 0);
    await t.close();
    await t2.close();
  });

  it('on stop, finishes the rows being written and leaves waiting records unacked for the next consumer', async () => {
    const { t, csv } = await fresh();
    const first = start(t, csv);
    await t.publish(Y_TRUE, { id: 'waits-1', body: 1 });
    await t.publish(Y_PRED, { id: 'waits-2', body: 2 });
    await t.publish(Y_TRUE, { id: 'written', body: 5 });
    await t.publish(Y_PRED, { id: 'written', body: 4 }); // joined: its row is being written as we stop
    await first.stop();
    assert.deepEqual(
      first.events.map((e) => e.kind),
      ['joined'],
      'the row under way was finished and reported; nothing was dead-lettered',
    );
    assert.equal(t.depth(Y_TRUE), 1, 'waits-1 is back in its queue, unacked');
    assert.equal(t.depth(Y_PRED), 1);
    assert.deepEqual(deadLetters(t, Y_TRUE).concat(deadLetters(t, Y_PRED)), []);

    const second = start(t, csv);
    await t.publish(Y_PRED, { id: 'waits-1', body: 1.5 });
    await t.publish(Y_TRUE, { id: 'waits-2', body: 2.5 });
    await until(() => second.kinds('joined').length === 2, 'the waiting records joined by the next consumer');
    await second.stop();
    await csv.close();
    assert.deepEqual((await rows()).map((r) => [r.id, r.absolute_error]).sort(), [
      ['waits-1', 0.5],
      ['waits-2', 0.5],
      ['written', 1],
    ]);
    await t.close();
  });

  it('completes when the transport closes, handing waiting records back', async () => {
    const { t, csv } = await fresh();
    const events: ServiceEvent[] = [];
    const done = new Promise<void>((resolve, reject) =>
      metricService(t, csv).subscribe({ next: (e) => events.push(e), error: reject, complete: resolve }),
    );
    await t.publish(Y_TRUE, { id: 'alone', body: 1 });
    await t.close();
    await done;
    await csv.close();
    assert.deepEqual(events, [], 'not dead-lettered: its partner may come after a restart');
    assert.deepEqual(await rows(), []);
  });
});
