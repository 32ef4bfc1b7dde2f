/**
 * What a transport needs for TLS beyond the system's trust store: the PEM text of a CA to trust, and of a client
 * certificate and key for servers that ask for one. The CLI reads the files (an unreadable one is an error at
 * start, not a connection failure retried forever); the transports pass the text to Node's `tls`.
 */
export interface TlsMaterial {
  /** PEM of the CA (or CAs) that signed the server's certificate, trusted besides the system's. */
  readonly ca?: string;
  /** PEM of the client certificate, for servers that verify clients (e.g. `nats-server --tlsverify`). */
  readonly cert?: string;
  /** PEM of the client certificate's private key. Never logged. */
  readonly key?: string;
}

/** True when `tls` asks for anything. */
export const hasTls = (tls: TlsMaterial | undefined): tls is TlsMaterial =>
  tls !== undefined && (tls.ca !== undefined || tls.cert !== undefined || tls.key !== undefined);
