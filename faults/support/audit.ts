/**
 * The end of every scenario: let the run finish, stop what still runs, and balance the books (rows in the log,
 * messages left in the broker, dead letters with their reasons) against the records that were sent.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { until } from '../../harness/poll.js';
import { readLedger, type Ledger } from './ledger.js';
import type { Pipeline } from './pipeline.js';
import type { Backlog, PipelineRig } from './rig.js';

export interface Audit {
  readonly ledger: Ledger;
  readonly backlog: Backlog;
  /** Dead letters per topic that are not `unmatched`, summed (broker-side count, or the services' own). */
  readonly deadLettered: number;
  readonly unmatched: number;
  /** Every dead-letter reason found, for scenario-specific checks. */
  readonly reasons: readonly string[];
  /** Redelivered or re-sent copies metric recognised by id and acked without a row (from its summaries). */
  readonly duplicatesAbsorbed: number;
}

export interface AuditOptions {
  /** Good record ids that must be in the log, each once. @default the run's `<runId>-<n>` */
  readonly expected?: readonly string[];
  /**
   * At-most-once transport: the run is over when the log stops growing, not when every row is in; losses are
   * measured instead of failing the test.
   */
  readonly lossy?: boolean;
  /** Lossy runs: how long the log must stay still to call the run over (longer than the join TTL). @default 5 s */
  readonly quietMs?: number;
  /**
   * The broker itself crashed (kill -9): messages it had acked may be stored again after its restart, below
   * every consumer's ack floor (nats-server 2.9 loses recent deletions of a work-queue stream). What is left in
   * the queues is then reported, not failed; rows must still be complete and unique.
   */
  readonly brokerCrashed?: boolean;
  /** Longest wait for the last row. @default 240 s */
  readonly timeoutMs?: number;
}

/** Rows in the log right now (whole lines only). */
export async function rowCount(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return Math.max(0, text.split('\n').length - 2);
}

/**
 * Waits for the run to end, stops the services (each must exit 0), and checks: no id lost, none written twice,
 * nothing foreign or malformed in the log, nothing left in the queues, the log ends with a whole row.
 */
export async function audit(p: Pipeline<PipelineRig>, options: AuditOptions = {}): Promise<Audit> {
  const expected = options.expected ?? p.expectedIds();
  const timeoutMs = options.timeoutMs ?? 240_000;
  if (options.lossy) {
    await p.procs.waitForExit('features', timeoutMs);
    // Nothing will come back for what was lost: the run is over once the log has been still for a while.
    let last = -1;
    let stillSince = performance.now();
    await until(
      async () => {
        const n = await rowCount(p.csvFile);
        if (n !== last) [last, stillSince] = [n, performance.now()];
        const quiet = performance.now() - stillSince > (options.quietMs ?? 5_000);
        return n >= expected.length || quiet ? true : undefined;
      },
      'the log to stop growing',
      { timeoutMs, intervalMs: 250, watch: p.procs },
    );
  } else {
    await p.rows(expected.length, timeoutMs);
    await p.procs.waitForExit('features', 60_000);
  }
  assert.deepEqual(p.procs.run('features').exit, { code: 0, signal: null }, p.procs.report());
  if (!options.lossy && !options.brokerCrashed)
    // Every row is in, but a copy whose ack was lost with a connection comes back only after the broker's ack
    // wait (JetStream: 30 s), and is then absorbed: the run is over when the queues are empty.
    await until(
      async () => {
        const { queued } = await p.rig.backlog();
        return Object.values(queued ?? {}).every((n) => n === 0) ? true : undefined;
      },
      'the queues to be empty',
      { timeoutMs: 90_000, intervalMs: 1_000, watch: p.procs },
    ).catch(() => undefined); // the assertion below says what was left
  const exits = await p.stopAll();
  for (const [name, exit] of Object.entries(exits))
    assert.deepEqual(exit, { code: 0, signal: null }, `${name} stops cleanly\n${p.procs.report()}`);

  const backlog = await p.rig.backlog();
  const reasons: string[] = [];
  let deadLettered = 0;
  let unmatched = 0;
  if (backlog.deadLetters !== undefined) {
    for (const topic of ['features', 'y_true', 'y_pred'])
      reasons.push(...(await p.rig.deadLetterReasons({ name: topic, kind: 'queue' })));
    unmatched = reasons.filter((r) => r.startsWith('unmatched')).length;
    deadLettered = reasons.length - unmatched;
  } else {
    // Core NATS keeps no dead letters: count what the services said they dead-lettered.
    const dead = deadLetterCounts(p);
    unmatched = dead.unmatched ?? 0;
    deadLettered = Object.values(dead).reduce((a, b) => a + b, 0) - unmatched;
  }

  const ledger = await readLedger(p.csvFile, expected);
  const why = `${JSON.stringify({ ...ledger, backlog })}\n${p.procs.report()}`;
  assert.equal(ledger.invalid, 0, `every row is well-formed: ${why}`);
  assert.equal(ledger.endsWithNewline, true, 'the log ends with a whole row');
  assert.equal(ledger.foreign, 0, `no row under an unexpected id: ${why}`);
  assert.equal(ledger.duplicated, 0, `no id written twice: ${why}`);
  if (!options.lossy) assert.equal(ledger.lost, 0, `no record lost: ${why}`);
  if (!options.lossy && !options.brokerCrashed) {
    for (const [topic, n] of Object.entries(backlog.queued ?? {}))
      assert.equal(n, 0, `nothing left in ${topic}: ${why}`);
  }
  let duplicatesAbsorbed = 0;
  for (const run of p.procs.runs('metric'))
    for (const m of run.stdout.matchAll(/^duplicates absorbed: ([\d,]+)$/gm))
      duplicatesAbsorbed += Number((m[1] ?? '0').replaceAll(',', ''));
  return { ledger, backlog, deadLettered, unmatched, reasons, duplicatesAbsorbed };
}

/** The check of every scenario whose records all have a partner: nothing dead-lettered, unmatched or not. */
export function assertNothingDeadLettered(a: Audit): void {
  assert.equal(a.deadLettered + a.unmatched, 0, `nothing dead-lettered: ${a.reasons.slice(0, 3).join('; ')}`);
}

/** Dead letters by code, summed over every run of the services, from the summaries they print on exit. */
export function deadLetterCounts(
  p: Pipeline<PipelineRig>,
  services: readonly string[] = ['model', 'metric'],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of services)
    for (const run of p.procs.runs(name))
      for (const m of run.stdout.matchAll(/^dead-lettered: (.*)$/gm))
        for (const part of (m[1] ?? '').split(', ')) {
          const [code, n] = part.split(' ');
          if (code && n) out[code] = (out[code] ?? 0) + Number(n.replaceAll(',', ''));
        }
  return out;
}
