/**
 * Scenario 6: 10,000 malformed messages mixed into valid traffic on every topic (features, y_true, y_pred), sent
 * the way a non-conforming producer would: not JSON, truncated JSON, NaN literals, not UTF-8, ids missing, null,
 * objects or empty, bodies missing, infinite, strings or of the wrong length, 1 MB bodies. Beside them, good
 * records with unknown fields and good records sent twice under one id.
 *
 * No service may crash; every bad message must be dead-lettered with its reason and counted by the service that
 * met it; every good record must be joined, once.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FEATURES, Y_PRED, Y_TRUE, type Topic } from '../src/core/topics.js';
import { audit, deadLetterCounts } from './support/audit.js';
import { badMessages, plain, withUnknownFields } from './support/malformed.js';
import { auditResult, recordResult } from './support/results.js';
import { overEachTransport } from './support/scenario.js';

const RECORDS = 10_000;
const BAD = 10_000;
/** Good records with unknown fields, and good records whose two messages are each sent twice. */
const ODD_GOOD = 300;

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

overEachTransport('malformed messages mixed into valid traffic', ['amqp', 'nats'], (s) => {
  it(
    `${BAD} bad messages among ${RECORDS} records: each dead-lettered with its reason, every good record joined once`,
    { timeout: 300_000 },
    async (t) => {
      const p = await s.pipeline(t, { records: RECORDS, intervalMs: 1 });
      if (!p) return;
      await p.startAll();
      await p.rows(200);

      const bad = badMessages(BAD, [FEATURES, Y_TRUE, Y_PRED]);
      const extra = Array.from({ length: ODD_GOOD }, (_, i) => `extra-${p.runId}-${i}`);
      const dup = Array.from({ length: ODD_GOOD }, (_, i) => `dup-${p.runId}-${i}`);
      const good: { topic: Topic; bytes: Uint8Array }[] = [];
      extra.forEach((id, i) =>
        good.push(...[FEATURES, Y_TRUE].map((topic) => ({ topic, bytes: withUnknownFields(id, topic, i) }))),
      );
      for (let copy = 0; copy < 2; copy++)
        dup.forEach((id, i) =>
          good.push(...[FEATURES, Y_TRUE].map((topic) => ({ topic, bytes: plain(id, topic, i) }))),
        );
      // Interleaved, and sent in slices while features runs, so bad and good traffic arrive mixed.
      const mixed = bad.map((m, i) => [m, ...(i % 8 === 0 ? good.splice(0, 2) : [])]).flat();
      mixed.push(...good);
      for (let i = 0; i < mixed.length; i += 1_000) await p.rig.inject(mixed.slice(i, i + 1_000));

      const a = await audit(p, { expected: [...p.expectedIds(), ...extra, ...dup] });
      const why = `\n${p.procs.report(8)}`;
      for (const topic of [FEATURES, Y_TRUE, Y_PRED]) {
        const sent = bad.filter((m) => m.topic === topic);
        const reasons = await p.rig.deadLetterReasons(topic);
        assert.equal(
          reasons.length,
          sent.length,
          `every bad ${topic.name} message is dead-lettered, nothing else${why}`,
        );
        for (const source of new Set(sent.map((m) => m.kind.reason.source))) {
          const pattern = new RegExp(source);
          const kinds = [
            ...new Set(sent.filter((m) => m.kind.reason.source === source).map((m) => m.kind.name)),
          ];
          assert.equal(
            reasons.filter((r) => pattern.test(r)).length,
            sent.filter((m) => m.kind.reason.source === source).length,
            `${topic.name}: ${kinds.join(', ')} dead-lettered with a reason matching ${pattern}`,
          );
        }
      }
      const badFeatures = bad.filter((m) => m.topic === FEATURES).length;
      assert.equal(
        total(deadLetterCounts(p, ['model'])),
        badFeatures,
        `model counted its dead letters${why}`,
      );
      assert.equal(
        total(deadLetterCounts(p, ['metric'])),
        BAD - badFeatures,
        `metric counted its dead letters${why}`,
      );
      assert.ok(
        a.duplicatesAbsorbed >= ODD_GOOD,
        `metric absorbed the second copies (${a.duplicatesAbsorbed})`,
      );
      assert.equal(a.unmatched, 0);
      await recordResult(
        t,
        auditResult(
          '6 malformed input (10,000 bad)',
          s.transport,
          RECORDS + 2 * ODD_GOOD,
          a,
          p.seconds(),
          `${ODD_GOOD} good records with unknown fields and ${ODD_GOOD} sent twice, all joined once`,
        ),
      );
    },
  );
});
