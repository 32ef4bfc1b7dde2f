/**
 * Reads the files of --tls-ca, --tls-cert and --tls-key at start. An unreadable or empty file, or a certificate
 * without its key, is a usage error before any connection is tried: a TLS setting that cannot work must not turn
 * into retries that can never succeed.
 */
import { readFile } from 'node:fs/promises';
import { errorMessage } from '../core/errors.js';
import type { TlsMaterial } from '../transports/tlsMaterial.js';

export interface TlsArgs {
  readonly tlsCa?: string | undefined;
  readonly tlsCert?: string | undefined;
  readonly tlsKey?: string | undefined;
}

async function readPem(flag: string, file: string | undefined): Promise<string | undefined> {
  if (file === undefined || file === '') return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read --${flag} ${file}: ${errorMessage(e)}`);
  }
  if (!text.includes('-----BEGIN '))
    throw new Error(`--${flag} ${file} holds no PEM block (-----BEGIN …): give a PEM file`);
  return text;
}

/** The TLS material the options name, or undefined when they name none. */
export async function readTlsFiles(args: TlsArgs): Promise<TlsMaterial | undefined> {
  const [ca, cert, key] = await Promise.all([
    readPem('tls-ca', args.tlsCa),
    readPem('tls-cert', args.tlsCert),
    readPem('tls-key', args.tlsKey),
  ]);
  if ((cert === undefined) !== (key === undefined))
    throw new Error('--tls-cert and --tls-key go together: give both, or neither');
  if (ca === undefined && cert === undefined) return undefined;
  return {
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  };
}
