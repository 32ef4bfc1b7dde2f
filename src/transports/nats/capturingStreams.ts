/**
 * Core mode beside JetStream on one server: a JetStream stream stores every message published on its subjects,
 * core publishes included. So after a JetStream run has created `PIPELINE_features` & co., a core run's records
 * pile up in those streams (disk), and the next JetStream run processes them all again. Core mode cannot prevent
 * it (the subjects are the wire contract); it says so once, at start, with what to do.
 */
import type { NatsConnection } from 'nats';

/** The streams that capture any of `subjects`, as `stream (subject)`; none when JetStream is off or refused. */
export async function capturingStreams(nc: NatsConnection, subjects: readonly string[]): Promise<string[]> {
  let jsm;
  try {
    jsm = await nc.jetstreamManager({ timeout: 2_000 });
  } catch {
    return []; // JetStream not enabled (or not allowed to this user): nothing captures core messages
  }
  const found: string[] = [];
  for (const subject of subjects) {
    const stream = await jsm.streams.find(subject).catch(() => undefined);
    if (stream !== undefined) found.push(`${stream} (${subject})`);
  }
  return found;
}

export const capturingStreamsWarning = (found: readonly string[]): string =>
  `core mode: JetStream stream${found.length > 1 ? 's' : ''} ${found.join(', ')} also store${
    found.length > 1 ? '' : 's'
  } every message of ${found.length > 1 ? 'these subjects' : 'this subject'}: this run's records will pile up ` +
  `there, and the next JetStream run would process them again. Delete or purge ${
    found.length > 1 ? 'them' : 'it'
  } (nats stream rm <name>), or run in JetStream mode.`;
