/**
 * The dead-letter log: the first ones one by one with topic, id and reason, then counts by reason in at most one
 * line per interval, and what is left at stop.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deadLetterLog } from '../../src/cli/deadLetterLog.js';
import type { LogFields, LogLevel } from '../../src/core/log.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';
import { peekId } from '../../src/delivery/settle.js';
import type { Delivery } from '../../src/core/transport.js';

function rig(first = 3, everyMs = 10_000) {
  let t = 0;
  const said: { level: LogLevel; message: string; fields: LogFields | undefined }[] = [];
  const log = deadLetterLog((level, message, fields) => said.push({ level, message, fields }), 'model', {
    first,
    everyMs,
    now: () => t,
  });
  return { log, said, advance: (ms: number) => (t += ms) };
}

const dead = (id: number, code = 'not_json'): ServiceEvent => ({
  kind: 'dead-lettered',
  topic: 'features',
  id,
  code,
  reason: `${code}: bad`,
});

describe('deadLetterLog', () => {
  it('logs the first ones at warn with topic, id and reason, and ignores other events', () => {
    const { log, said } = rig();
    log.report({ kind: 'predicted', id: 1 });
    log.report(dead(1));
    log.report({ kind: 'unmatched', topic: 'y_true', id: 'r-9', reason: 'unmatched: no y_pred', pending: 0 });
    assert.equal(said.length, 2);
    assert.deepEqual(
      said.map((s) => [s.level, s.fields]),
      [
        ['warn', { topic: 'features', id: 1, reason: 'not_json' }],
        ['warn', { topic: 'y_true', id: 'r-9', reason: 'unmatched' }],
      ],
    );
    assert.match(said[1]!.message, /dead letter on y_true \(id r-9\): unmatched: no y_pred/);
  });

  it('then counts by reason, and sums them up once per interval, not at every tick', () => {
    const { log, said, advance } = rig(2, 10_000);
    for (let i = 0; i < 2; i++) log.report(dead(i));
    for (let i = 0; i < 1200; i++) log.report(dead(i));
    for (let i = 0; i < 34; i++) log.report(dead(i, 'wrong_shape'));
    assert.equal(said.length, 2, 'the flood is only counted');
    advance(5_000);
    log.tick();
    assert.equal(said.length, 2, 'not before the interval');
    advance(5_000);
    log.tick();
    assert.equal(said.length, 3);
    assert.match(
      said[2]!.message,
      /1,234 more dead letters in the last 10 s: not_json 1,200, wrong_shape 34/,
    );
    advance(10_000);
    log.tick();
    assert.equal(said.length, 3, 'nothing new: no line');
  });

  it('says at stop what it counted and did not say yet', () => {
    const { log, said } = rig(1);
    log.report(dead(1));
    log.report(dead(2));
    log.flush();
    assert.equal(said.length, 2);
    assert.match(said[1]!.message, /^model: 1 more dead letters/);
    log.flush();
    assert.equal(said.length, 2, 'said once');
  });

  it('reads the id of a message that failed its checks when it has one, for the log', () => {
    const delivery = (text: string): Delivery =>
      ({ data: new TextEncoder().encode(text) }) as unknown as Delivery;
    assert.equal(peekId(delivery('{"id": 42, "body": "x"}')), 42);
    assert.equal(peekId(delivery('{"id": "r-1"}')), 'r-1');
    assert.equal(peekId(delivery('not json')), undefined);
    assert.equal(peekId(delivery('{"id": null}')), undefined);
    assert.equal(peekId(delivery('[1, 2]')), undefined);
  });
});
