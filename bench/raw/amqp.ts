/**
 * The raw RabbitMQ ceiling: a minimal amqplib publisher and consumer, with the durability the pipeline ships:
 * a durable queue, persistent messages, publisher confirms, and a manual ack per message.
 *
 *   node bench/raw/amqp.js --role consume --url amqp://… --name q --count 300000 --sizes 250,40,50
 *   node bench/raw/amqp.js --role publish …same…
 */
import { connect } from 'amqplib';
import { ConsumeCounter, parseRawArgs, payloads, printReport, type RawArgs } from './args.js';
import { nowMs } from '../support/time.js';
import { errorMessage } from '../../src/core/errors.js';

async function consume(a: RawArgs): Promise<void> {
  const conn = await connect(a.url);
  const ch = await conn.createChannel();
  await ch.assertQueue(a.name, { durable: true });
  await ch.prefetch(a.prefetch);
  const counter = new ConsumeCounter(a.count, a.idleMs);
  await ch.consume(
    a.name,
    (msg) => {
      if (msg === null) return;
      ch.ack(msg);
      counter.got();
    },
    { noAck: false },
  );
  process.stdout.write('ready\n');
  const report = await counter.done();
  await ch.deleteQueue(a.name).catch(() => undefined);
  await conn.close();
  printReport(report);
}

async function publish(a: RawArgs): Promise<void> {
  const conn = await connect(a.url);
  const ch = await conn.createConfirmChannel();
  await ch.checkQueue(a.name);
  const bodies = payloads(a.sizes);
  let outstanding = 0;
  let failed = 0;
  let wake: (() => void) | undefined;
  const confirmed = (err: unknown): void => {
    outstanding--;
    if (err) failed++;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const startAtMs = nowMs();
  for (let i = 0; i < a.count; i++) {
    while (outstanding >= a.window) await new Promise<void>((resolve) => (wake = resolve));
    outstanding++;
    const body = bodies[i % bodies.length] as Buffer;
    const ok = ch.publish('', a.name, body, { persistent: true, contentType: 'application/json' }, confirmed);
    if (!ok) await new Promise((resolve) => ch.once('drain', resolve));
  }
  await ch.waitForConfirms();
  const endAtMs = nowMs();
  await conn.close();
  if (failed > 0) throw new Error(`${failed} messages were nacked by the broker`);
  printReport({ role: 'publish', sent: a.count, startAtMs, endAtMs });
}

const args = parseRawArgs(process.argv.slice(2));
(args.role === 'consume' ? consume(args) : publish(args)).catch((e: unknown) => {
  process.stderr.write(`raw amqp ${args.role}: ${errorMessage(e)}\n`);
  process.exit(1);
});
