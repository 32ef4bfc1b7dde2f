import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tempDir.js';
import { encodeEnvelope } from '../../src/core/codec.js';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { statusCounters } from '../../src/core/statusBody.js';
import { METRICS, STATUS } from '../../src/core/topics.js';
import { ServiceCounters } from '../../src/delivery/serviceCounters.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';
import { csvFeed, transportFeed, type FeedEvent } from '../../src/tui/feeds.js';
import { until } from '../../harness/poll.js';

describe('transportFeed', () => {
  it('reads records and statuses from the broadcast topics, reports bad messages, ends with the transport', async () => {
    const transport = new MemoryTransport();
    const feed = transportFeed(transport);
    assert.equal(feed.source, 'memory');
    const events: FeedEvent[] = [];
    let completed = false;
    const sub = feed.events$.subscribe({ next: (e) => events.push(e), complete: () => (completed = true) });

    const counters = new ServiceCounters();
    counters.add({
      kind: 'joined',
      record: { id: 'a', y_true: 1, y_pred: 2, absolute_error: 1 },
      pending: 2,
    });
    await transport.publish(METRICS, {
      id: 'r-1',
      body: { y_true: 151, y_pred: 160.5, absolute_error: 9.5 },
    });
    await transport.publish(METRICS, { id: 'r-2', body: { y_true: 1, y_pred: 2, absolute_error: 'one' } });
    await transport.publishRaw(METRICS, new TextEncoder().encode('not json'));
    await transport.publish(STATUS, {
      id: 's-1',
      body: {
        service: 'metric',
        instance: 'i1',
        transport: 'memory',
        state: 'connected',
        counters: statusCounters(counters.snapshot()),
      },
    });
    await until(() => events.length >= 5, 'five events');

    assert.deepEqual(events[0], { kind: 'state', state: 'connected' });
    const kinds = events.slice(1).map((e) => e.kind);
    assert.deepEqual(kinds.filter((k) => k === 'record').length, 1);
    assert.deepEqual(kinds.filter((k) => k === 'malformed').length, 2);
    const record = events.find((e) => e.kind === 'record');
    assert.deepEqual(record, {
      kind: 'record',
      record: { id: 'r-1', y_true: 151, y_pred: 160.5, absolute_error: 9.5 },
    });
    const status = events.find((e) => e.kind === 'status');
    assert.ok(status?.kind === 'status');
    assert.equal(status.status.counters.joined, 1);
    assert.equal(status.status.counters.pending, 2);
    const reasons = events.flatMap((e) => (e.kind === 'malformed' ? [e.reason] : []));
    assert.ok(reasons.some((r) => /absolute_error/.test(r)));
    assert.ok(reasons.some((r) => /not JSON/.test(r)));

    await transport.close();
    await until(() => completed, 'the feed to complete');
    assert.deepEqual(events.at(-1), { kind: 'state', state: 'closed' });
    sub.unsubscribe();
  });
});

describe('transportFeed, `metrics` messages', () => {
  /** The feed's events (the connection state left out) once `n` have come, after `publish` ran. */
  async function eventsOf(publish: (t: MemoryTransport) => Promise<void>, n: number): Promise<FeedEvent[]> {
    const transport = new MemoryTransport();
    const events: FeedEvent[] = [];
    const sub = transportFeed(transport).events$.subscribe((e) => {
      if (e.kind !== 'state') events.push(e);
    });
    await publish(transport);
    await until(() => events.length >= n, `${n} events`);
    await new Promise((r) => setTimeout(r, 20)); // and no more
    sub.unsubscribe();
    await transport.close();
    return events;
  }
  const rec = (i: number): MetricRecord => ({ id: `b-${i}`, y_true: i, y_pred: i * 2, absolute_error: i });

  it('gives one record event per record of a batch, in order, from envelopes and from bytes', async () => {
    const first = Array.from({ length: 500 }, (_, i) => rec(i));
    const second = [rec(500), { ...rec(501), id: 1669147134.196809 }];
    const events = await eventsOf(async (t) => {
      await t.publish(METRICS, { id: 'b-0', body: first });
      await t.publishRaw(METRICS, encodeEnvelope({ id: 'b-500', body: second }));
    }, 502);
    assert.deepEqual(
      events,
      [...first, ...second].map((record) => ({ kind: 'record', record })),
    );
  });

  it('still reads the older one-record body, with the envelope id', async () => {
    const events = await eventsOf(async (t) => {
      await t.publish(METRICS, { id: 'old-1', body: { y_true: 151, y_pred: 160.5, absolute_error: 9.5 } });
      await t.publishRaw(
        METRICS,
        new TextEncoder().encode('{"id": 7, "body": {"y_true": 1, "y_pred": 2, "absolute_error": 1}}'),
      );
    }, 2);
    assert.deepEqual(events, [
      { kind: 'record', record: { id: 'old-1', y_true: 151, y_pred: 160.5, absolute_error: 9.5 } },
      { kind: 'record', record: { id: 7, y_true: 1, y_pred: 2, absolute_error: 1 } },
    ]);
  });

  it('gives one malformed event, and no record, for a batch with one bad record, alike from bytes', async () => {
    const bad = [rec(0), rec(1), { ...rec(2), y_pred: 'two' }, rec(3)];
    const events = await eventsOf(async (t) => {
      await t.publish(METRICS, { id: 'b-0', body: bad });
      await t.publishRaw(METRICS, encodeEnvelope({ id: 'b-0', body: bad }));
      await t.publishRaw(METRICS, encodeEnvelope({ id: 'b-0', body: [rec(0), { ...rec(1), id: '' }] }));
      await t.publish(METRICS, { id: 'b-0', body: [] });
      await t.publish(METRICS, { id: 'ok', body: [rec(9)] });
    }, 5);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['malformed', 'malformed', 'malformed', 'malformed', 'record'],
    );
    const reasons = events.flatMap((e) => (e.kind === 'malformed' ? [e.reason] : []));
    assert.equal(reasons[0], 'metrics: body[2].y_pred must be a finite number, got a string ("two")');
    assert.equal(reasons[1], reasons[0], 'the same reason whichever way the message came');
    assert.equal(reasons[2], 'metrics: body[1]: id must not be an empty string');
    assert.equal(reasons[3], 'metrics: body must not be an empty array');
    assert.ok(events.every((e) => e.kind !== 'malformed' || e.count === 1));
  });

  it('reports a bad `status` message with the reason the validator gives', async () => {
    const events = await eventsOf(async (t) => {
      await t.publish(STATUS, { id: 's', body: { service: 'metric', instance: 'i', transport: 'memory' } });
      await t.publishRaw(STATUS, new TextEncoder().encode('{"id": "s", "body": null}'));
    }, 2);
    assert.deepEqual(events, [
      {
        kind: 'malformed',
        reason:
          'status: body.state must be connecting, connected, reconnecting or closed, got a value of type undefined',
        count: 1,
      },
      { kind: 'malformed', reason: 'status: body must be an object, got null', count: 1 },
    ]);
  });
});

describe('csvFeed', () => {
  const dir = tempDir('tui-feed-');

  it('starts with the rows already in the log (as backlog), then follows what is appended', async () => {
    const file = join(dir(), 'metric_log.csv');
    await writeFile(file, 'id,y_true,y_pred,absolute_error\na,1,2,1\nb,1,4,3\n');
    const feed = csvFeed(file, 20);
    assert.equal(feed.countsJoined, true);
    const events: FeedEvent[] = [];
    const sub = feed.events$.subscribe((e) => events.push(e));
    const records = (): Extract<FeedEvent, { kind: 'record' }>[] =>
      events.flatMap((e) => (e.kind === 'record' ? [e] : []));
    try {
      await until(() => records().length === 2, 'the rows already there');
      assert.deepEqual(
        records().map((e) => [e.record.id, e.record.absolute_error, e.backlog]),
        [
          ['a', 1, true],
          ['b', 3, true],
        ],
      );
      assert.ok(events.some((e) => e.kind === 'state' && e.state === 'connected'));

      await appendFile(file, 'c,2,7,5\nbroken row\n');
      await until(() => records().length === 3, 'the appended row');
      assert.deepEqual(records()[2], {
        kind: 'record',
        record: { id: 'c', y_true: 2, y_pred: 7, absolute_error: 5 },
        backlog: false,
      });
      await until(() => events.some((e) => e.kind === 'malformed'), 'the malformed row');

      // Replaced by a shorter log: the dashboard starts over.
      await writeFile(file, 'id,y_true,y_pred,absolute_error\nz,0,1,1\n');
      await until(() => events.some((e) => e.kind === 'restart'), 'the restart');
      await until(() => records().length === 4, 'the new log’s row');
      assert.equal(records()[3]!.record.id, 'z');
      assert.equal(records()[3]!.backlog, true);
    } finally {
      sub.unsubscribe();
    }
  });

  it('reads a missing log as empty and shows it as connected (the pipeline may not have started)', async () => {
    const events: FeedEvent[] = [];
    const sub = csvFeed(join(dir(), 'nothing-yet.csv'), 20).events$.subscribe((e) => events.push(e));
    try {
      await until(() => events.some((e) => e.kind === 'state' && e.state === 'connected'), 'connected');
      assert.equal(events.filter((e) => e.kind === 'record').length, 0);
    } finally {
      sub.unsubscribe();
    }
  });
});
