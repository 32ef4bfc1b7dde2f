/**
 * Folds service events into the figures the status line, the `status` topic and the dashboard show.
 * One place counts; everything else reads `snapshot()`.
 */
import { RunningStats } from '../core/stats.js';
import type { CountersSnapshot } from '../core/statusBody.js';
import type { ServiceEvent } from './serviceEvents.js';

export class ServiceCounters {
  private published = 0;
  private predicted = 0;
  private joined = 0;
  private unmatched = 0;
  private duplicates = 0;
  private deadLettered = 0;
  private retried = 0;
  private pending = 0;
  private deadByCode: Record<string, number> = {};
  private lastProblem: string | undefined;
  readonly stats = new RunningStats();

  add(event: ServiceEvent): void {
    switch (event.kind) {
      case 'published':
        this.published++;
        break;
      case 'predicted':
        this.predicted++;
        break;
      case 'joined':
        this.joined++;
        this.pending = event.pending;
        this.stats.add(event.record.absolute_error);
        break;
      case 'unmatched':
        this.unmatched++;
        this.pending = event.pending;
        this.deadByCode.unmatched = (this.deadByCode.unmatched ?? 0) + 1;
        this.lastProblem = `${event.topic}: ${event.reason}`;
        break;
      case 'duplicate':
        this.duplicates++;
        this.pending = event.pending;
        break;
      case 'dead-lettered':
        this.deadLettered++;
        this.deadByCode[event.code] = (this.deadByCode[event.code] ?? 0) + 1;
        this.lastProblem = `${event.topic}: ${event.reason}`;
        break;
      case 'retried':
        this.retried++;
        this.lastProblem = `${event.topic}: ${event.reason}`;
        break;
    }
  }

  snapshot(): CountersSnapshot {
    return {
      published: this.published,
      predicted: this.predicted,
      joined: this.joined,
      unmatched: this.unmatched,
      duplicates: this.duplicates,
      deadLettered: this.deadLettered,
      retried: this.retried,
      pending: this.pending,
      deadByCode: { ...this.deadByCode },
      stats: this.stats.snapshot(),
      lastProblem: this.lastProblem,
    };
  }
}
