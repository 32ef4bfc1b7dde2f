/**
 * What an alert log (`logs/alerts.jsonl`) says is firing at its end: for a metric restarted on its logs, so that an
 * alert still true does not fire a second time and one no longer true resolves in the log. Pure.
 */
import type { RestoredAlert } from './alertEvaluator.js';
import type { AlertEventBody } from './summaryBody.js';

/**
 * The last event of each rule among `events` (in log order), in the order the rules first appear. Folding a long
 * log chunk by chunk, `lastEventPerRule([...carried, ...chunk])` keeps at most one event per rule.
 */
export function lastEventPerRule(events: readonly AlertEventBody[]): AlertEventBody[] {
  const last = new Map<string, AlertEventBody>();
  for (const e of events) last.set(e.rule, e);
  return [...last.values()];
}

/** The alerts whose last event is `firing`, as `AlertEvaluator.restore` takes them. */
export function firingAtEnd(events: readonly AlertEventBody[]): RestoredAlert[] {
  return lastEventPerRule(events)
    .filter((e) => e.state === 'firing')
    .map((e) => ({ rule: e.rule, value: e.value, since: Date.parse(e.at) }));
}
