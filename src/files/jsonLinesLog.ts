/**
 * An append-only JSON Lines file (the metric's alerts.jsonl): one JSON document per line, appended in order, one
 * append at a time. A failed append is logged as a warning, once until an append succeeds again, and never thrown:
 * the file is a record for people, and losing a line of it must not stop the service that writes it.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../core/log.js';
import { fsReason } from './fsReason.js';

export interface JsonLinesLog {
  /** Queues `value` as one line. */
  append(value: unknown): void;
  /** Resolves once every line queued so far is written or given up. */
  flush(): Promise<void>;
}

/**
 * @example
 * ```ts
 * const alerts = jsonLinesLog('logs/alerts.jsonl', terminal.log);
 * alerts.append({ at: new Date().toISOString(), rule: 'psi.bmi > 0.2', state: 'firing' });
 * await alerts.flush();
 * ```
 */
export function jsonLinesLog(path: string, log: Logger): JsonLinesLog {
  let chain: Promise<void> = mkdir(dirname(path), { recursive: true }).then(
    () => undefined,
    () => undefined, // the append below reports the failure
  );
  let failing = false;
  return {
    append: (value) => {
      const line = `${JSON.stringify(value)}\n`;
      chain = chain.then(() =>
        appendFile(path, line).then(
          () => void (failing = false),
          (e: unknown) => {
            if (!failing) log('warn', `cannot append to ${path}: ${fsReason(e)}`);
            failing = true;
          },
        ),
      );
    },
    flush: () => chain,
  };
}
