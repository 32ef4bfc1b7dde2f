/**
 * Core mode beside JetStream on one server: a JetStream stream stores every message published on its subjects,
 * core publishes included. The pipeline's own streams store `pipeline.<topic>`, apart from core mode's bare topic
 * names; but a stream created by an older version (before its first JetStream start with this one moves it) or
 * someone else's stream may still capture `features` & co. A core run's records would then pile up there, and a
 * JetStream run reading that stream would process them again. Core mode cannot prevent it (the subjects are the
 * wire contract); it says so once, at start, with what to do.
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
  `there, and a JetStream run reading ${found.length > 1 ? 'them' : 'it'} would process them again. A pipeline ` +
  `stream created by an older version moves to subjects of its own at the first JetStream start of this one; ` +
  `otherwise delete or purge ${found.length > 1 ? 'them' : 'it'} (nats stream rm <name>).`;
