/**
 * `Transport.publishWaits()` of the memory transport: a publish taken at once is not counted; one that finds its
 * queue full and waits for room is, under its topic, and only once however long it waits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueTopic } from '../../src/core/topics.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';

describe('publish waits (memory)', () => {
  it('counts the publishes that had to wait for room, by topic', async () => {
    const transport = new MemoryTransport({ capacity: 2 });
    const topic = queueTopic('waits-test');
    try {
      await transport.publish(topic, { id: 'a', body: 1 });
      await transport.publish(topic, { id: 'b', body: 2 });
      assert.equal(transport.publishWaits().get(topic.name), undefined, 'taken at once: not counted');

      let taken = false;
      const waiting = transport.publish(topic, { id: 'c', body: 3 }).then(() => (taken = true));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(taken, false, 'the queue is full: the publish waits');
      assert.equal(transport.publishWaits().get(topic.name), 1);

      // A consumer makes room: the waiting publish is taken, and counted once.
      const sub = transport.consume(topic, { prefetch: 10 }).subscribe((d) => d.ack());
      await waiting;
      sub.unsubscribe();
      assert.equal(transport.publishWaits().get(topic.name), 1);
    } finally {
      await transport.close();
    }
  });
});
