/**
 * Record ids that stay unique at any rate and across processes. The original services used a float timestamp,
 * which collides when two records share a microsecond and across two producers; ours are
 * `<run>-<sequence>`: a run prefix unique to one features process (random, or given) and a counter.
 */
import { randomBytes } from 'node:crypto';

/** 10 characters of base-32 randomness: 50 bits, so two processes collide with probability ~1e-15. */
export function newRunId(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = randomBytes(10);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}

export const recordId = (runId: string, sequence: number): string => `${runId}-${sequence}`;
