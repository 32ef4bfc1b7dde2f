/**
 * The message envelope of the wire contract: UTF-8 JSON `{"id": …, "body": …}`.
 * The original services used float timestamps as ids (`1669147134.196809`); ours are strings. Both are valid.
 */
export type RecordId = number | string;

export interface Envelope<B> {
  readonly id: RecordId;
  readonly body: B;
}

/** Body of a `features` message: the feature vector of one record. */
export type FeatureVector = readonly number[];

/**
 * The key a record id is joined and de-duplicated by: `1` and `"1"` are different records. A string id is its
 * own key (no new string per message: hashing a fresh concatenation per lookup showed in the profile); a number
 * gets a NUL prefix, which no real string id starts with.
 */
export const idKey = (id: RecordId): string => (typeof id === 'number' ? `\u0000${id}` : id);
