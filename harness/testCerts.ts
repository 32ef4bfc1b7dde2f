/**
 * A throwaway certificate authority for TLS tests, made with `openssl` in a temp dir: the CA, a server
 * certificate for 127.0.0.1 and localhost signed by it, and a client certificate for servers that verify clients.
 * Nothing is trusted by the system: a client that is not given `ca.pem` must refuse the server.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCerts {
  readonly dir: string;
  /** The CA's certificate: what --tls-ca takes. */
  readonly ca: string;
  /** The server's certificate and key (subjectAltName DNS:localhost, IP:127.0.0.1). */
  readonly serverCert: string;
  readonly serverKey: string;
  /** A client certificate and key signed by the same CA. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** Removes the directory. */
  dispose(): Promise<void>;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  await run('openssl', args, { cwd, timeout: 30_000 });
}

/** Makes a CA (valid two days) and signs a server and a client certificate with it. */
export async function makeTestCerts(): Promise<TestCerts> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pipeline-tls-'));
  const key = ['-newkey', 'rsa:2048', '-nodes'];
  await openssl(
    [
      'req',
      '-x509',
      ...key,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=pipeline test CA',
    ],
    dir,
  );
  await writeFile(
    path.join(dir, 'server.ext'),
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await writeFile(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, subject] of [
    ['server', '/CN=localhost'],
    ['client', '/CN=pipeline test client'],
  ] as const) {
    await openssl(['req', ...key, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-days',
        '2',
      ].concat(['-out', `${name}.pem`, '-extfile', `${name}.ext`]),
      dir,
    );
  }
  const at = (file: string): string => path.join(dir, file);
  return {
    dir,
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
