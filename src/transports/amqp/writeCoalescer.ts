/**
 * Coalesces the frames one event-loop turn writes into a single socket write.
 *
 * The connection runs with `noDelay` (Nagle off) so that a lone confirm or ack is not held back ~40 ms by the
 * broker's delayed ACKs. The price is that amqplib writes every frame (each publish, each ack) with its own
 * `write` syscall, and the broker then reads, and handles, one small TCP segment per frame: the profiles showed
 * `writeBuffer` as the top entry of every publishing process, and the broker spent more CPU per record than all
 * the services together. Corking the socket for the rest of the turn keeps the latency of noDelay (nothing waits
 * for a timer) while a burst goes out as one `writev`.
 *
 * amqplib does not expose its socket in its types; when the stream is not a `net.Socket` (a future amqplib, a
 * wrapped stream), `holdWrites` does nothing and frames go out as before.
 */
import { Socket } from 'node:net';
import type { ChannelModel } from 'amqplib';

/**
 * Call right after handing frames to amqplib (publish, ack): amqplib does not write them synchronously, and this
 * makes everything it writes until the end of the turn go out together.
 */
export type HoldWrites = () => void;

const noop: HoldWrites = () => undefined;

/** The socket under an amqplib connection, if it is one. */
function socketOf(model: ChannelModel): Socket | undefined {
  const stream = (model.connection as unknown as { readonly stream?: unknown }).stream;
  return stream instanceof Socket ? stream : undefined;
}

export function writeCoalescer(model: ChannelModel): HoldWrites {
  const socket = socketOf(model);
  if (socket === undefined) return noop;
  let held = false;
  const release = (): void => {
    held = false;
    socket.uncork();
  };
  // amqplib's frames reach the socket from a setImmediate scheduled from a nextTick ('readable' of its channel
  // buffer) of the call that produced them. Our nextTick, queued after that call, schedules our setImmediate after
  // theirs: the frames are written into the corked socket, then flushed at once. Were the order ever different,
  // the frames would simply be written uncorked, as without this.
  const releaseAfterAmqplib = (): void => void setImmediate(release);
  return () => {
    if (held || socket.destroyed) return;
    held = true;
    socket.cork();
    process.nextTick(releaseAfterAmqplib);
  };
}
