import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricRecord } from '../../src/core/metricsBody.js';
import { ErrorHistogram } from '../../src/core/histogram.js';
import type { StatusBody, StatusCounters } from '../../src/core/statusBody.js';
import { RateMeter } from '../../src/tui/rateMeter.js';
import { Ring } from '../../src/tui/ring.js';
import { DashboardModel, type DashboardEvent } from '../../src/tui/viewModel.js';

const rec = (i: number, err: number): MetricRecord => ({
  id: `run-${i}`,
  y_true: 100,
  y_pred: 100 + err,
  absolute_error: err,
});

type StatusOverrides = Partial<Omit<StatusBody, 'counters'>> & Partial<StatusCounters>;

/** A status body of a connected metric instance, with `over`'s names, state and counts. */
const status = ({ service, instance, transport, state, ...counts }: StatusOverrides = {}): StatusBody => ({
  service: service ?? 'metric',
  instance: instance ?? 'm1',
  transport: transport ?? 'nats',
  state: state ?? 'connected',
  counters: {
    published: 0,
    predicted: 0,
    joined: 0,
    unmatched: 0,
    duplicates: 0,
    deadLettered: 0,
    retried: 0,
    pending: 0,
    deadByCode: {},
    ...counts,
  },
});

/** Errors that are neither sorted nor round: 0.5 … 99.5 in a scrambled order. */
const errorAt = (i: number): number => ((i * 37) % 100) + 0.5;

describe('Ring', () => {
  it('keeps the last `capacity` items, oldest first, and returns what it overwrites', () => {
    const r = new Ring<number>(3);
    assert.equal(r.push(1), undefined);
    r.push(2);
    r.push(3);
    assert.equal(r.push(4), 1);
    assert.deepEqual(r.toArray(), [2, 3, 4]);
    assert.deepEqual(r.newest(2), [4, 3]);
    assert.equal(r.at(0), 2);
    assert.equal(r.at(3), undefined);
    r.clear();
    assert.deepEqual(r.toArray(), []);
    assert.throws(() => new Ring(0), RangeError);
  });
});

describe('RateMeter', () => {
  it('averages the last complete seconds', () => {
    const m = new RateMeter(2);
    assert.equal(m.rate(0), 0);
    for (let t = 0; t < 3000; t += 10) m.add(t); // 100 a second for 3 s
    assert.equal(m.rate(3000), 100);
    assert.equal(m.rate(3500), 100);
    // Nothing for two whole seconds: the rate falls to 0 instead of freezing.
    assert.equal(m.rate(5000), 0);
  });

  it('within the first second, divides by the time since the first record', () => {
    const m = new RateMeter();
    for (let t = 1000; t < 1500; t += 5) m.add(t); // 100 records in 0.5 s
    assert.equal(m.rate(1500), 200);
  });

  it('counts only the part of a second after the first record', () => {
    const m = new RateMeter(2);
    for (let t = 1500; t < 2000; t += 5) m.add(t); // 100 records in the last half of second 1
    assert.equal(m.rate(2000), 200);
  });
});

describe('DashboardModel', () => {
  it('computes the figures over every record and the chart over the last `window`', () => {
    const model = new DashboardModel({ source: 'memory', window: 300, tableRows: 10 });
    const errors: number[] = [];
    for (let i = 0; i < 1000; i++) {
      errors.push(errorAt(i));
      model.addRecord(rec(i, errorAt(i)), i);
    }
    const v = model.view(1000);
    assert.equal(v.seen, 1000);
    const mae = errors.reduce((a, b) => a + b, 0) / errors.length;
    const rmse = Math.sqrt(errors.reduce((a, b) => a + b * b, 0) / errors.length);
    assert.ok(Math.abs(v.stats.mae - mae) < 1e-9);
    assert.ok(Math.abs(v.stats.rmse - rmse) < 1e-9);
    assert.equal(v.stats.max, 99.5);
    // Binned exactly as the PNG: the same histogram as the plot service's over the same values.
    assert.deepEqual(v.histogram, ErrorHistogram.fromValues(errors).snapshot());
    assert.equal(v.window.errors.length, 300);
    assert.deepEqual(v.window.errors, errors.slice(700));
    assert.equal(v.window.firstSeq, 701);
    // The rolling MAE after record i is the mean of the 300 errors ending at i.
    for (const k of [0, 150, 299]) {
      const i = 700 + k;
      const expected = errors.slice(i - 299, i + 1).reduce((a, b) => a + b, 0) / 300;
      assert.ok(Math.abs(v.window.mae[k]! - expected) < 1e-9, `mae at ${i}`);
    }
    assert.deepEqual(
      v.latest.map((r) => r.id),
      Array.from({ length: 10 }, (_, k) => `run-${999 - k}`),
    );
  });

  it('gives NaN statistics and a waiting chart with no records', () => {
    const v = new DashboardModel({ source: 'memory' }).view(0);
    assert.equal(v.seen, 0);
    assert.ok(Number.isNaN(v.stats.mae));
    assert.deepEqual(v.window.errors, []);
    assert.equal(v.histogram.total, 0);
  });

  it('keeps the rolling MAE exact over many windows (no drift from adding and subtracting)', () => {
    const model = new DashboardModel({ source: 'memory', window: 7 });
    // Huge and tiny errors alternate: a plain running sum would lose the tiny ones.
    for (let i = 0; i < 10_000; i++) model.addRecord(rec(i, i % 2 === 0 ? 1e9 : 1e-3), i);
    const w = model.view(10_000).window;
    const expected = w.errors.reduce((a, b) => a + b, 0) / 7;
    assert.ok(Math.abs(w.mae[6]! - expected) / expected < 1e-12);
  });

  it('counts records it cannot use as malformed, and nowhere else', () => {
    const model = new DashboardModel({ source: 'memory' });
    model.addRecord(rec(1, 5), 0);
    model.addRecord(rec(2, -1), 0);
    model.addRecord(rec(3, Number.MAX_VALUE), 0);
    model.apply({ kind: 'malformed', reason: 'metrics: not JSON', count: 1 }, 0);
    const v = model.view(0);
    assert.equal(v.seen, 1);
    assert.equal(v.stats.count, 1);
    assert.equal(v.histogram.total, 1);
    assert.equal(v.malformed, 3);
    assert.equal(v.lastProblem, 'metrics: not JSON');
  });

  it('reset forgets the window, histogram, statistics and rate, but not the services', () => {
    const model = new DashboardModel({ source: 'nats' });
    for (let i = 0; i < 50; i++) model.addRecord(rec(i, 3), 1000 + i);
    model.addStatus(status({ joined: 50, pending: 4 }), 1000);
    model.reset(2000);
    const v = model.view(2000);
    assert.equal(v.seen, 0);
    assert.equal(v.seenTotal, 50);
    assert.equal(v.histogram.total, 0);
    assert.ok(Number.isNaN(v.stats.mae));
    assert.deepEqual(v.window.errors, []);
    assert.deepEqual(v.latest, []);
    assert.equal(v.rate, 0);
    assert.equal(v.since, 2000);
    assert.equal(v.services.joined, 50);
    assert.equal(v.services.pending, 4);
  });

  it('folds a stream of events: records, statuses, connection state, restart', () => {
    const model = new DashboardModel({ source: 'amqp' });
    const events: [DashboardEvent, number][] = [
      [{ kind: 'state', state: 'connected' }, 0],
      [{ kind: 'record', record: rec(1, 2) }, 10],
      [{ kind: 'record', record: rec(2, 4), backlog: true }, 20],
      [{ kind: 'status', status: status({ joined: 2 }) }, 30],
      [{ kind: 'state', state: 'reconnecting' }, 40],
    ];
    for (const [e, at] of events) model.apply(e, at);
    let v = model.view(500);
    assert.equal(v.state, 'reconnecting');
    assert.equal(v.seen, 2);
    assert.equal(v.stats.mae, 3);
    // The backlog record is not an arrival: one record in the 0.49 s since the first.
    assert.ok(Math.abs(v.rate - 1000 / 490) < 1e-9);
    model.apply({ kind: 'restart' }, 600);
    v = model.view(600);
    assert.equal(v.seen, 0);
    assert.equal(v.services.joined, 2);
  });

  it('sums the services: join figures from metric and pipeline, dead letters from all', () => {
    const model = new DashboardModel({ source: 'nats' });
    model.addStatus(
      status({ instance: 'm1', joined: 100, pending: 3, unmatched: 2, deadByCode: { unmatched: 2 } }),
      0,
    );
    model.addStatus(
      status({ instance: 'm2', joined: 50, pending: 1, deadLettered: 1, deadByCode: { bad_body: 1 } }),
      0,
    );
    model.addStatus(
      status({
        service: 'model',
        instance: 'x',
        joined: 999,
        deadLettered: 4,
        deadByCode: { wrong_shape: 4 },
      }),
      0,
    );
    model.addStatus(status({ service: 'features', instance: 'f', state: 'reconnecting', published: 160 }), 0);
    const s = model.view(1000).services;
    assert.equal(s.joined, 150);
    assert.equal(s.pending, 4);
    assert.equal(s.unmatched, 2);
    assert.equal(s.deadLettered, 5);
    assert.deepEqual(s.deadByCode, [
      ['wrong_shape', 4],
      ['bad_body', 1],
    ]);
    assert.deepEqual(
      s.instances.map((i) => `${i.service}/${i.instance} ${i.state} ${i.ageMs}`),
      [
        'features/f reconnecting 1000',
        'metric/m1 connected 1000',
        'metric/m2 connected 1000',
        'model/x connected 1000',
      ],
    );
  });

  it('uses the latest status of an instance, and drops instances not heard from within the TTL', () => {
    const model = new DashboardModel({ source: 'nats', statusTtlMs: 5000 });
    model.addStatus(status({ instance: 'old', joined: 10 }), 0);
    model.addStatus(status({ instance: 'new', joined: 1 }), 4000);
    model.addStatus(status({ instance: 'new', joined: 7 }), 4500);
    assert.equal(model.view(4500).services.joined, 17);
    assert.equal(model.view(6000).services.joined, 7);
    assert.equal(model.view(20_000).services.joined, undefined, 'nobody reported: unknown, not 0');
  });
});
