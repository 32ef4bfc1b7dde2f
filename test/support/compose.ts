/**
 * docker-compose.yml as the tests read it: parsed with YAML merge keys, interpolated like Compose does
 * (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `$$`), normalised to what a container gets,
 * and mapped onto this machine (broker host names to the test brokers, container paths to local folders), so
 * that a test can run exactly what each service declares as a local process.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../harness/cli.js';

export const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');

type Env = Readonly<Record<string, string | undefined>>;

export interface Mount {
  /** A host path (bind mount, as written: `./logs`) or a named volume. */
  readonly source: string;
  readonly target: string;
  readonly bind: boolean;
  readonly readOnly: boolean;
}

export interface ComposeService {
  readonly name: string;
  readonly image: string | undefined;
  readonly build: unknown;
  readonly profiles: readonly string[];
  readonly command: readonly string[] | undefined;
  readonly entrypoint: unknown;
  /** A null value is passed on from the shell when set there, else left out (see `containerEnv`). */
  readonly environment: Readonly<Record<string, string | null>>;
  /** Service name to condition (`service_started` for the list form). */
  readonly dependsOn: Readonly<Record<string, string>>;
  readonly volumes: readonly Mount[];
  readonly ports: readonly string[];
  readonly healthcheck: readonly string[] | undefined;
  /** The healthcheck's other settings as written: interval, timeout, retries, start_period. */
  readonly healthcheckTimes: Readonly<Record<string, string>>;
  readonly restart: string | undefined;
  readonly containerName: string | undefined;
}

export interface ComposeFile {
  readonly services: Readonly<Record<string, ComposeService>>;
  readonly volumes: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compose's interpolation of one string (no nesting, as docker-compose 1.x). */
export function interpolate(text: string, env: Env): string {
  return text.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, dollar?: string, name?: string, op?: string, arg?: string, bare?: string) => {
      if (dollar !== undefined) return '$';
      if (bare !== undefined) return env[bare] ?? '';
      if (name === undefined) throw new Error(`bad interpolation ${whole}`);
      const value = env[name];
      const missing = op?.startsWith(':') ? value === undefined || value === '' : value === undefined;
      if (op === undefined || !missing) return value ?? '';
      if (op.endsWith('?')) throw new Error(`${name}: ${arg || 'required variable is missing'}`);
      return arg ?? '';
    },
  );
}

function interpolateAll(node: unknown, env: Env): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, env));
  if (isRecord(node))
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)]));
  return node;
}

const scalar = (v: unknown, what: string): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`${what}: expected a scalar, got ${JSON.stringify(v)}`);
};

const stringList = (v: unknown, what: string): string[] => {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`${what}: expected a list (write it as [a, b])`);
  return v.map((x, i) => scalar(x, `${what}[${i}]`));
};

function environmentOf(v: unknown, what: string): Record<string, string | null> {
  if (v === undefined) return {};
  if (Array.isArray(v))
    return Object.fromEntries(
      v.map((item, i) => {
        const s = scalar(item, `${what}[${i}]`);
        const eq = s.indexOf('=');
        return eq < 0 ? [s, null] : [s.slice(0, eq), s.slice(eq + 1)];
      }),
    );
  if (!isRecord(v)) throw new Error(`${what}: expected a mapping or a list`);
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, x === null ? null : scalar(x, `${what}.${k}`)]),
  );
}

function dependsOnOf(v: unknown, what: string): Record<string, string> {
  if (v === undefined) return {};
  if (Array.isArray(v)) return Object.fromEntries(stringList(v, what).map((s) => [s, 'service_started']));
  if (!isRecord(v)) throw new Error(`${what}: expected a mapping or a list`);
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [
      k,
      isRecord(x) && x.condition !== undefined ? scalar(x.condition, `${what}.${k}`) : 'service_started',
    ]),
  );
}

function mountOf(v: unknown, what: string): Mount {
  if (isRecord(v)) {
    const source = scalar(v.source, `${what}.source`);
    return {
      source,
      target: scalar(v.target, `${what}.target`),
      bind: v.type === 'bind',
      readOnly: v.read_only === true,
    };
  }
  const [source = '', target, mode] = scalar(v, what).split(':');
  if (target === undefined) throw new Error(`${what}: anonymous volumes are not used here`);
  return { source, target, bind: /^[./~]/.test(source), readOnly: mode === 'ro' };
}

function serviceOf(name: string, v: unknown): ComposeService {
  if (!isRecord(v)) throw new Error(`service ${name}: expected a mapping`);
  const at = `services.${name}`;
  const health = isRecord(v.healthcheck) ? v.healthcheck : {};
  const healthTest = health.test;
  return {
    name,
    image: v.image === undefined ? undefined : scalar(v.image, `${at}.image`),
    build: v.build,
    profiles: stringList(v.profiles, `${at}.profiles`),
    command: v.command === undefined ? undefined : stringList(v.command, `${at}.command`),
    entrypoint: v.entrypoint,
    environment: environmentOf(v.environment, `${at}.environment`),
    dependsOn: dependsOnOf(v.depends_on, `${at}.depends_on`),
    volumes: (Array.isArray(v.volumes) ? v.volumes : []).map((m, i) => mountOf(m, `${at}.volumes[${i}]`)),
    ports: stringList(v.ports, `${at}.ports`),
    healthcheck: healthTest === undefined ? undefined : stringList(healthTest, `${at}.healthcheck.test`),
    healthcheckTimes: Object.fromEntries(
      Object.entries(health)
        .filter(([k]) => k !== 'test')
        .map(([k, x]) => [k, scalar(x, `${at}.healthcheck.${k}`)]),
    ),
    restart: v.restart === undefined ? undefined : scalar(v.restart, `${at}.restart`),
    containerName:
      v.container_name === undefined ? undefined : scalar(v.container_name, `${at}.container_name`),
  };
}

/** Reads a compose file as `docker compose` would with `env` as the shell's environment. */
export function loadCompose(env: Env = {}, file: string = COMPOSE_FILE): ComposeFile {
  const doc = interpolateAll(parse(readFileSync(file, 'utf8'), { merge: true }), env);
  if (!isRecord(doc) || !isRecord(doc.services)) throw new Error(`${file}: no services`);
  return {
    services: Object.fromEntries(Object.entries(doc.services).map(([n, s]) => [n, serviceOf(n, s)])),
    volumes: isRecord(doc.volumes) ? Object.keys(doc.volumes) : [],
  };
}

/** The services `docker compose --profile <profiles…>` enables: those without profiles, or with one of them. */
export function activeServices(compose: ComposeFile, profiles: readonly string[]): ComposeService[] {
  return Object.values(compose.services).filter(
    (s) => s.profiles.length === 0 || s.profiles.some((p) => profiles.includes(p)),
  );
}

/** Services built from this repository (the pipeline's image), as opposed to brokers pulled as they are. */
export const isOurs = (s: ComposeService): boolean => s.build !== undefined;

/** The container's environment: null values are taken from the shell, or left out when it lacks them. */
export function containerEnv(s: ComposeService, shell: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.environment)) {
    const value = v ?? shell[k];
    if (value !== undefined) out[k] = value;
  }
  return out;
}

/** How one container's world maps onto this machine. */
export interface LocalMapping {
  /** Broker service name to the `host:port` standing in for it, e.g. `rabbitmq` to `127.0.0.1:5672`. */
  readonly hosts: Readonly<Record<string, string>>;
  /** The image's WORKDIR: its files are the repository's. */
  readonly workdir: string;
  /** Local folders replacing bind-mount sources, e.g. `./logs` to a temp dir. */
  readonly binds: Readonly<Record<string, string>>;
  /** This container's own folder standing for its WORKDIR: what it writes outside its mounts goes there. */
  readonly root: string;
}

/**
 * A container path as a local one: through the service's bind mounts; else a file of the image (the
 * repository's); else the container's own folder, so that nothing a container writes lands in the repository.
 */
export function localPath(path: string, s: ComposeService, m: LocalMapping): string {
  const under = (dir: string): boolean => path === dir || path.startsWith(`${dir.replace(/\/$/, '')}/`);
  const mount = s.volumes
    .filter((v) => v.bind && under(v.target))
    .sort((a, b) => b.target.length - a.target.length)[0];
  if (mount) {
    const host = m.binds[mount.source] ?? resolve(REPO_ROOT, mount.source);
    return join(host, posix.relative(mount.target, path));
  }
  if (!under(m.workdir))
    throw new Error(`${s.name}: ${path} is neither mounted nor in the image's ${m.workdir}`);
  const inImage = join(REPO_ROOT, posix.relative(m.workdir, path));
  return statSync(inImage, { throwIfNoEntry: false })?.isFile()
    ? inImage
    : join(m.root, posix.relative(m.workdir, path));
}

/**
 * A value as the local process needs it: broker URLs redirected, container paths mapped. A bare host name is
 * redirected only in a `*_HOST` variable (`key`): elsewhere `nats` is as likely a transport as a host.
 */
export function localValue(value: string, s: ComposeService, m: LocalMapping, key?: string): string {
  const hostOnly = key?.endsWith('_HOST') ? m.hosts[value] : undefined;
  if (hostOnly !== undefined) return hostOnly.replace(/:\d+$/, '');
  const url = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([^:/?#]+)(?::\d+)?/i.exec(value);
  if (url) {
    const to = m.hosts[url[2] ?? ''];
    return to === undefined ? value : `${url[1] ?? ''}${to}${value.slice(url[0].length)}`;
  }
  return value.startsWith('/') ? localPath(value, s, m) : value;
}

/**
 * A pipeline service's healthcheck (exec form, `node -e …`) as a local command: this node, and the container's
 * metrics port replaced by `port`, the one the local process listens on (containers each have their own).
 */
export function localHealthcheck(s: ComposeService, port: number): { command: string; args: string[] } {
  const [kind, program, ...args] = s.healthcheck ?? [];
  const inContainer = s.environment.PIPELINE_METRICS_PORT;
  if (kind !== 'CMD' || program !== 'node' || inContainer === undefined)
    throw new Error(`${s.name}: not a node healthcheck of a service with a metrics port`);
  const at = `127.0.0.1:${inContainer}`;
  return { command: process.execPath, args: args.map((a) => a.split(at).join(`127.0.0.1:${port}`)) };
}
