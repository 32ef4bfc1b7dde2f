/** The `status` body: what the services send, what a dashboard accepts, what it refuses and why. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEnvelope, encodeEnvelope } from '../../src/core/codec.js';
import {
  MAX_DEAD_LETTER_CODES,
  statusBody,
  statusCounters,
  type StatusBody,
} from '../../src/core/statusBody.js';
import { ServiceCounters } from '../../src/delivery/serviceCounters.js';

/** A body as a service sends it, after `counters` saw `events`. */
function sent(add: (c: ServiceCounters) => void = () => undefined): StatusBody {
  const counters = new ServiceCounters();
  add(counters);
  const c = statusCounters(counters.snapshot());
  return { service: 'metric', instance: 'abc', transport: 'amqp', state: 'connected', counters: c };
}

/** `body` as it arrives over a broker. */
const overTheWire = (body: StatusBody): unknown =>
  (JSON.parse(new TextDecoder().decode(encodeEnvelope({ id: 's', body }))) as { body: unknown }).body;

const joinedOne = (c: ServiceCounters): void => {
  c.add({ kind: 'joined', record: { id: 'r', y_true: 1, y_pred: 3, absolute_error: 2 }, pending: 3 });
  c.add({ kind: 'dead-lettered', topic: 'y_pred', code: 'bad_body', reason: 'body must be a finite number' });
};

/** Asserts `body` is refused with a reason matching `reason`. */
function refusedStatus(body: unknown, reason: RegExp): void {
  const r = statusBody(body);
  assert.equal(r.ok, false, `expected a refusal for ${JSON.stringify(body)}`);
  if (!r.ok) assert.match(r.reason, reason);
}

/** `sent(joinedOne)` with its counters changed by `change`, as plain JSON. */
const withCounters = (change: (c: Record<string, unknown>) => void): unknown => {
  const body = overTheWire(sent(joinedOne)) as { counters: Record<string, unknown> };
  change(body.counters);
  return body;
};

describe('statusCounters', () => {
  it('leaves out the error statistics until a record is joined: NaN cannot be sent', () => {
    const idle = sent((c) => c.add({ kind: 'published', id: 'a' }));
    assert.equal('stats' in idle.counters, false);
    assert.equal('lastProblem' in idle.counters, false);
    assert.doesNotThrow(() => encodeEnvelope({ id: 's', body: idle }));
    assert.equal(idle.counters.published, 1);
  });

  it('carries the statistics and the last problem once there are some', () => {
    const busy = sent(joinedOne);
    assert.deepEqual(busy.counters.stats, { count: 1, mae: 2, rmse: 2, min: 2, max: 2, p50: 2, p95: 2 });
    assert.equal(busy.counters.lastProblem, 'y_pred: body must be a finite number');
  });
});

describe('statusBody', () => {
  it('accepts what the services send, after a trip through JSON, exactly', () => {
    for (const body of [sent(), sent(joinedOne)])
      assert.deepEqual(statusBody(overTheWire(body)), { ok: true, value: body });
    const decoded = decodeEnvelope(encodeEnvelope({ id: 's-1', body: sent(joinedOne) }), statusBody);
    assert.ok(decoded.ok);
    assert.equal(decoded.value.body.counters.joined, 1);
    assert.deepEqual(decoded.value.body.counters.deadByCode, { bad_body: 1 });
  });

  it('accepts any service name and drops fields it does not know', () => {
    const withExtras = withCounters((c) => {
      c.extra = 'x';
      (c.stats as Record<string, unknown>).extra = 'y';
    }) as Record<string, unknown>;
    const r = statusBody({ ...withExtras, service: 'train', extra: 1 });
    assert.deepEqual(r, { ok: true, value: { ...sent(joinedOne), service: 'train' } });
  });

  it('refuses a body that is not an object', () => {
    refusedStatus(null, /^body must be an object, got null$/);
    refusedStatus([], /^body must be an object, got an array$/);
    refusedStatus('status', /^body must be an object, got a string \("status"\)$/);
  });

  it('refuses missing, empty, overlong or mistyped names, and an unknown state', () => {
    const good = sent();
    refusedStatus(
      { ...good, service: undefined },
      /^body\.service must be a name of 1 to 256 characters, got a value of type undefined$/,
    );
    refusedStatus({ ...good, instance: '' }, /^body\.instance must be a name .* got a string \(""\)$/);
    refusedStatus({ ...good, transport: 'x'.repeat(257) }, /^body\.transport must be a name of 1 to 256/);
    refusedStatus({ ...good, service: 7 }, /^body\.service .* got number 7$/);
    assert.equal(statusBody({ ...good, transport: 'x'.repeat(256) }).ok, true);
    refusedStatus(
      { ...good, state: 'sleeping' },
      /^body\.state must be connecting, connected, reconnecting or closed, got a string \("sleeping"\)$/,
    );
  });

  it('refuses missing counters, and any count that is missing, negative, fractional or not a number', () => {
    refusedStatus(
      { ...sent(), counters: undefined },
      /^body\.counters must be an object, got a value of type undefined$/,
    );
    refusedStatus({ ...sent(), counters: {} }, /^body\.counters\.published must be a non-negative integer/);
    refusedStatus(
      withCounters((c) => delete c.duplicates),
      /^body\.counters\.duplicates must be .* got a value of type undefined$/,
    );
    refusedStatus(
      withCounters((c) => (c.joined = -1)),
      /^body\.counters\.joined must be a non-negative integer, got number -1$/,
    );
    refusedStatus(
      withCounters((c) => (c.pending = 1.5)),
      /^body\.counters\.pending .* got number 1.5$/,
    );
    refusedStatus(
      withCounters((c) => (c.retried = '3')),
      /^body\.counters\.retried .* got a string \("3"\)$/,
    );
  });

  it('refuses dead-letter counts that are not counts by code, or too many codes', () => {
    refusedStatus(
      withCounters((c) => delete c.deadByCode),
      /^body\.counters\.deadByCode must be an object/,
    );
    refusedStatus(
      withCounters((c) => (c.deadByCode = [1])),
      /deadByCode must be an object, got an array$/,
    );
    refusedStatus(
      withCounters((c) => (c.deadByCode = { not_json: -2 })),
      /^body\.counters\.deadByCode\.not_json must be a non-negative integer, got number -2$/,
    );
    refusedStatus(
      withCounters((c) => (c.deadByCode = { '': 1 })),
      /deadByCode has a code of 0 characters/,
    );
    const codes = (n: number): Record<string, number> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`code_${i}`, i]));
    assert.equal(statusBody(withCounters((c) => (c.deadByCode = codes(MAX_DEAD_LETTER_CODES)))).ok, true);
    refusedStatus(
      withCounters((c) => (c.deadByCode = codes(MAX_DEAD_LETTER_CODES + 1))),
      new RegExp(`deadByCode has ${MAX_DEAD_LETTER_CODES + 1} codes; at most ${MAX_DEAD_LETTER_CODES}$`),
    );
  });

  it('refuses statistics that are not over any record or not finite numbers, and a mistyped last problem', () => {
    const stats = (change: (s: Record<string, unknown>) => void): unknown =>
      withCounters((c) => change(c.stats as Record<string, unknown>));
    refusedStatus(
      stats((s) => (s.count = 0)),
      /^body\.counters\.stats\.count must be a positive integer, got number 0$/,
    );
    refusedStatus(
      stats((s) => (s.mae = null)),
      /^body\.counters\.stats\.mae must be a finite number, got null$/,
    );
    refusedStatus(
      stats((s) => (s.p95 = Infinity)),
      /stats\.p95 must be a finite number, got number Infinity$/,
    );
    refusedStatus(
      stats((s) => delete s.rmse),
      /stats\.rmse must be a finite number/,
    );
    refusedStatus(
      withCounters((c) => (c.stats = 'none')),
      /^body\.counters\.stats must be an object, got a string/,
    );
    refusedStatus(
      withCounters((c) => (c.lastProblem = 42)),
      /^body\.counters\.lastProblem must be a string, got number 42$/,
    );
  });
});
