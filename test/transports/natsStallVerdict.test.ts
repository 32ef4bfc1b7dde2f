/** When a quiet work-queue consumer is deleted and created again: stuck (owes, delivers nothing) or stranded. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stallVerdict } from '../../src/transports/nats/stallVerdict.js';

const timing = { quietMs: 10_000, stalledMs: 35_000 };
const stalled = { quietMs: 40_000, stalledMs: 35_000 };

describe('stallVerdict', () => {
  it('waits while a consumer that owes messages has been quiet less than the stall period', () => {
    assert.deepEqual(stallVerdict({ ...timing, consumer: { owed: 256, ackFloor: 8400 } }), { kind: 'wait' });
    assert.deepEqual(stallVerdict({ ...timing }), { kind: 'wait' }, 'the server could not say: wait too');
  });

  it('re-creates a consumer that owes messages, or that the server cannot answer for, once stalled', () => {
    assert.deepEqual(stallVerdict({ ...stalled, consumer: { owed: 11_600, ackFloor: 8400 } }), {
      kind: 'recreate',
      why: 'it owes 11600 message(s)',
    });
    assert.equal(stallVerdict({ ...stalled }).kind, 'recreate');
    assert.equal(
      stallVerdict({ quietMs: 35_000, stalledMs: 35_000, consumer: { owed: 1, ackFloor: 0 } }).kind,
      'recreate',
    );
  });

  it('asks about the stream of a consumer that owes nothing, and re-creates it when messages are stranded', () => {
    const idle = { ...timing, consumer: { owed: 0, ackFloor: 20_000 } };
    assert.deepEqual(stallVerdict(idle), { kind: 'askStream' });
    assert.deepEqual(stallVerdict({ ...idle, stream: { workQueue: true, stored: 5 } }), {
      kind: 'recreate',
      why: 'it owes nothing, yet its stream keeps 5 message(s) of its subject, below its ack floor 20000',
    });
  });

  it('leaves alone a stream with none of its messages, and one that is no work queue', () => {
    const idle = { ...stalled, consumer: { owed: 0, ackFloor: 20_000 } };
    assert.deepEqual(stallVerdict({ ...idle, stream: { workQueue: true, stored: 0 } }), {
      kind: 'wait',
    });
    // A stream of someone else's that keeps what was acknowledged (limits retention): nothing is stranded.
    assert.deepEqual(stallVerdict({ ...idle, stream: { workQueue: false, stored: 900 } }), {
      kind: 'wait',
    });
  });
});
