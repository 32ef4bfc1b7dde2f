/**
 * Reading dead letters, as pure functions: the code at the head of a reason, the record id and a short view of a
 * dead letter's bytes, counts by code, and the choice of which dead letters a replay or purge takes.
 *
 * A stored reason starts with its code (`not_json: message is not JSON …`, `unmatched: no y_pred for id …`);
 * one without a code (written by an older version, or by another program) counts as `other`.
 *
 * @example
 * ```ts
 * const choose = chooser({ reason: 'unmatched', limit: 100 });
 * choose('unmatched: no y_pred for id r-1 within 2000 ms'); // 'take'
 * choose('not_json: message is not JSON');                   // 'keep'
 * ```
 */

/** The code of a reason that carries none. */
export const OTHER_REASON = 'other';

const CODE = /^([a-z][a-z0-9_]*):/;

/** The reason to store: `code: reason`, unless the reason already starts with its code. */
export function codedReason(code: string, reason: string): string {
  return reason.startsWith(`${code}:`) ? reason : `${code}: ${reason}`;
}

/** The code at the head of a stored reason (`not_json`, `unmatched`, …), else `other`. */
export function reasonCode(reason: string): string {
  return CODE.exec(reason)?.[1] ?? OTHER_REASON;
}

/** The record id of a dead letter, when its bytes are a JSON object with a string or number id. */
export function recordIdOf(data: Uint8Array): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || !('id' in parsed)) return undefined;
  const id: unknown = parsed.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? String(id) : undefined;
}

/** The bytes as one line of at most `max` characters: invalid UTF-8 shown as �, control characters as spaces. */
export function shortBody(data: Uint8Array, max = 60): string {
  // Decoding only a little more than is shown keeps a 1 MB dead letter cheap to list.
  const text = new TextDecoder('utf-8')
    .decode(data.subarray(0, max * 4))
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a terminal
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
  return text.length > max || data.byteLength > max * 4 ? `${text.slice(0, max - 1)}…` : text;
}

/** Counts per code, most frequent first (ties by code). */
export class ReasonTally {
  private readonly counts = new Map<string, number>();
  private total = 0;

  add(reason: string): void {
    const code = reasonCode(reason);
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1);
    this.total++;
  }

  get size(): number {
    return this.total;
  }

  entries(): [string, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** `not_json 3, unmatched 1`, or `none`. */
  toString(): string {
    const e = this.entries();
    return e.length === 0 ? 'none' : e.map(([code, n]) => `${code} ${n}`).join(', ');
  }
}

/** What to do with one dead letter: take it (replay or remove), leave it in place, or stop there (left too). */
export type Choice = 'take' | 'keep' | 'stop';

export interface Selection {
  /** Only dead letters with this code; every one when undefined. */
  readonly reason?: string | undefined;
  /** At most this many taken; no limit when undefined. */
  readonly limit?: number | undefined;
}

/**
 * A function that chooses, dead letter by dead letter in order, which ones a replay or purge takes: those whose
 * reason has the selected code, until `limit` are taken; after that it answers `stop`.
 */
export function chooser(selection: Selection): (reason: string) => Choice {
  let taken = 0;
  return (reason) => {
    if (selection.limit !== undefined && taken >= selection.limit) return 'stop';
    if (selection.reason !== undefined && reasonCode(reason) !== selection.reason) return 'keep';
    taken++;
    return 'take';
  };
}
