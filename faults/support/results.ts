/**
 * What each scenario measured, for the reliability table: one line of JSON per scenario and transport, shown as
 * a test diagnostic and appended to the file named by FAULTS_RESULTS when it is set.
 */
import { appendFile } from 'node:fs/promises';
import type { TestContext } from 'node:test';
import type { Audit } from './audit.js';
import type { Pipeline } from './pipeline.js';
import type { PipelineRig } from './rig.js';
import type { FaultTransport } from './rig.js';

export interface ScenarioResult {
  /** `1 kill -9 metric`, … */
  readonly scenario: string;
  readonly transport: FaultTransport;
  /** Records features sent (plus good records the scenario injected itself). */
  readonly sent: number;
  /** Data rows in metric_log.csv at the end. */
  readonly written: number;
  readonly lost: number;
  readonly duplicated: number;
  /** Dead letters other than unmatched ones (bad input, messages that kept failing). */
  readonly deadLettered: number;
  /** Records dead-lettered as unmatched (partner never came within the TTL, or evicted from a full buffer). */
  readonly unmatched: number;
  /** Wall-clock seconds of the scenario on this transport, start-up included. */
  readonly seconds?: number;
  /** Anything else worth a column: how long a stop took, the memory of the join… */
  readonly note?: string;
}

export async function recordResult(t: TestContext, result: ScenarioResult): Promise<void> {
  const line = JSON.stringify(result);
  t.diagnostic(line);
  const file = process.env.FAULTS_RESULTS;
  if (file) await appendFile(file, `${line}\n`);
}

/** The result of a scenario whose books `audit` balanced; duplicates metric absorbed go in the note. */
export function auditResult(
  scenario: string,
  transport: FaultTransport,
  sent: number,
  a: Audit,
  seconds: number,
  note?: string,
): ScenarioResult {
  const n = a.duplicatesAbsorbed;
  const absorbed = n > 0 ? `${n} duplicate ${n === 1 ? 'copy' : 'copies'} absorbed by id` : '';
  const text = [note, absorbed].filter(Boolean).join('; ');
  return {
    scenario,
    transport,
    sent,
    written: a.ledger.rows,
    lost: a.ledger.lost,
    duplicated: a.ledger.duplicated,
    deadLettered: a.deadLettered,
    unmatched: a.unmatched,
    seconds,
    ...(text ? { note: text } : {}),
  };
}

/** Records run `p`, whose books `audit` balanced: sent is what features sent, seconds the time so far. */
export function recordAudit(
  t: TestContext,
  p: Pipeline<PipelineRig>,
  scenario: string,
  a: Audit,
  note?: string,
): Promise<void> {
  return recordResult(t, auditResult(scenario, p.rig.transport, p.options.records, a, p.seconds(), note));
}
