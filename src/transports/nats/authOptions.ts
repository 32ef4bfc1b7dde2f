/**
 * The credentials part of nats.js connection options, from resolved options: user and password or token from the
 * URL or the environment, a creds file (NATS_CREDS) or an nkey seed file (NATS_NKEY). The files are read at each
 * (re)connect, so rotated credentials are picked up.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type Authenticator, type ConnectionOptions } from 'nats';
import type { ResolvedNatsOptions } from './options.js';

export function natsAuthOptions(
  o: Pick<ResolvedNatsOptions, 'user' | 'pass' | 'token' | 'credsFile' | 'nkeySeedFile'>,
): Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator'> {
  const authenticators: Authenticator[] = [];
  const { credsFile, nkeySeedFile } = o;
  if (credsFile !== undefined) authenticators.push(credsAuthenticator(() => readFileSync(credsFile)));
  if (nkeySeedFile !== undefined)
    authenticators.push(
      nkeyAuthenticator(() => new TextEncoder().encode(readFileSync(nkeySeedFile, 'utf8').trim())),
    );
  return {
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.pass !== undefined ? { pass: o.pass } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(authenticators.length > 0 ? { authenticator: authenticators } : {}),
  };
}
