/** The one-line live status of each service (src/cli/statusText.ts): it says what the service itself does. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusLine } from '../../src/cli/statusText.js';
import { ServiceCounters } from '../../src/delivery/serviceCounters.js';
import type { ServiceEvent } from '../../src/delivery/serviceEvents.js';

const line = (events: readonly ServiceEvent[]): string => {
  const c = new ServiceCounters();
  for (const e of events) c.add(e);
  return statusLine({ counters: c.snapshot(), rate: 1234, transport: 'nats', state: 'connected' });
};
const many = <E extends ServiceEvent>(n: number, e: (i: number) => E): E[] =>
  Array.from({ length: n }, (_, i) => e(i));

describe('statusLine', () => {
  it('counts predictions for the model, which publishes and joins nothing', () => {
    const s = line(many(2500, (i) => ({ kind: 'predicted', id: i })));
    assert.match(s, /^predicted 2,500 \| records 0 \| 1,234\/s \| MAE – \| RMSE – \| nats connected$/);
  });

  it('counts what features published', () => {
    assert.match(line(many(3, (i) => ({ kind: 'published', id: i }))), /^published 3 \| records 0 \|/);
  });

  it('leads with the joined records once there are some, with their errors', () => {
    const s = line([
      ...many(2, (i) => ({ kind: 'predicted' as const, id: i })),
      {
        kind: 'joined',
        record: { id: 1, y_true: 10, y_pred: 12, absolute_error: 2 },
        pending: 5,
      },
    ]);
    assert.match(s, /^records 1 \| 1,234\/s \| MAE 2\.00 \| RMSE 2\.00 \| waiting 5 \| nats connected$/);
  });
});
