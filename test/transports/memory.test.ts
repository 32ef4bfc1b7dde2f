/** The in-memory transport held to the same conformance suite as the brokers. */
import { describeTransport } from './conformance.js';
import { MemoryTransport } from '../../src/transports/memory/memoryTransport.js';

describeTransport(
  'memory',
  {
    persistent: false,
    orderedFromOneProducer: true,
    workQueue: true,
    broadcast: true,
    redeliversOnNack: true,
    redeliversUnackedOnConsumerDeath: true,
    deadLetters: true,
    reconnects: false,
    publishCapacity: 1000,
  },
  () => Promise.resolve(new MemoryTransport({ capacity: 1000 })),
);
