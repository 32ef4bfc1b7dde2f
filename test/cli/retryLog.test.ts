import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryLog } from '../../src/cli/retryLog.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';

const retried = (reason: string): ServiceEvent => ({ kind: 'retried', topic: 'y_true', reason });
const joined: ServiceEvent = {
  kind: 'joined',
  record: { id: 'r-1', y_true: 1, y_pred: 2, absolute_error: 1 },
  pending: 0,
};

function setup(): { lines: string[]; report: (e: ServiceEvent) => void; clock: { t: number } } {
  const lines: string[] = [];
  const clock = { t: 0 };
  const report = retryLog(
    (level, m) => lines.push(`${level} ${m}`),
    'metric',
    5_000,
    () => clock.t,
  );
  return { lines, report, clock };
}

describe('retryLog', () => {
  it('logs a stall once, again after repeatMs or for a new reason, and the recovery once', () => {
    const { lines, report, clock } = setup();
    report(retried('writing x failed, retrying: EFBIG'));
    clock.t = 1_000;
    report(retried('writing x failed, retrying: EFBIG'));
    clock.t = 6_000;
    report(retried('writing x failed, retrying: EFBIG'));
    report(retried('writing x failed, retrying: ENOSPC'));
    report(joined);
    report(joined);
    assert.deepEqual(lines, [
      'error metric: writing x failed, retrying: EFBIG',
      'error metric: writing x failed, retrying: EFBIG',
      'error metric: writing x failed, retrying: ENOSPC',
      'info metric: working again after 4 retries',
    ]);
  });

  it('logs a new stall at once after a recovery, even with the same reason', () => {
    const { lines, report } = setup();
    report(retried('full'));
    report(joined);
    report(retried('full'));
    assert.deepEqual(lines, [
      'error metric: full',
      'info metric: working again after 1 retry',
      'error metric: full',
    ]);
  });

  it('says nothing about events of a service that never stalled', () => {
    const { lines, report } = setup();
    report(joined);
    report({ kind: 'dead-lettered', topic: 'y_true', code: 'not_json', reason: 'not JSON' });
    assert.deepEqual(lines, []);
  });
});
