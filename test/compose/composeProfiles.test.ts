/**
 * Which services `docker compose up` starts without --profile: the .env beside the compose file selects the
 * RabbitMQ pipeline (COMPOSE_PROFILES=rabbit), and COMPOSE_PROFILES in the shell picks another. Checked with the
 * code of Debian's docker-compose (1.x) itself, the same calls its `up` makes to choose the services, minus the
 * Docker engine: it reads .env, COMPOSE_PROFILES, the profiles and the dependencies as `up` would.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../harness/cli.js';
import { activeServices, loadCompose } from '../support/compose.js';
import { cleanShell, skipLoudly, which } from '../support/programs.js';

const run = promisify(execFile);
const compose = loadCompose({});

/**
 * Prints the profiles and services `docker-compose up` would choose in the working directory, as JSON. Service
 * objects without a client: choosing needs only their names, profiles and dependencies (depends_on included).
 */
const CHOOSE = `
import json
from compose.cli.command import get_config_path_from_options, get_profiles_from_options
from compose.config import config
from compose.config.environment import Environment
from compose.project import Project
from compose.service import Service
env = Environment.from_env_file('.')
data = config.load(config.find('.', get_config_path_from_options({}, env), env))
profiles = get_profiles_from_options({}, env)
services = [Service(client=None, project='p', **{k: v for k, v in s.items() if k != 'networks'}) for s in data.services]
chosen = Project('p', services, None, enabled_profiles=profiles).get_services(None, include_deps=True)
print(json.dumps({'profiles': profiles, 'services': sorted(s.name for s in chosen)}))
`;

/** The interpreter docker-compose runs under (its script's #! line): the one that has its modules. */
function composePython(script: string): string {
  const shebang = /^#!\s*(\S+)/.exec(readFileSync(script, 'utf8'))?.[1];
  assert.ok(shebang, `${script} starts with #!`);
  return shebang;
}

/** What this suite expects `up` to start with these profiles (profiles and dependencies as compose reads them). */
const expected = (profiles: readonly string[]): string[] =>
  activeServices(compose, profiles)
    .map((s) => s.name)
    .sort();

describe('profiles without --profile', () => {
  it('.env selects the RabbitMQ pipeline', () => {
    const env = readFileSync(join(REPO_ROOT, '.env'), 'utf8');
    const lines = env.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    assert.ok(lines.includes('COMPOSE_PROFILES=rabbit'), 'COMPOSE_PROFILES=rabbit');
    assert.ok(compose.services.rabbitmq?.profiles.includes('rabbit'), 'rabbit is the RabbitMQ profile');
  });

  const cases: { shell: Record<string, string>; profiles: string[] }[] = [
    { shell: {}, profiles: ['rabbit'] },
    { shell: { COMPOSE_PROFILES: 'nats' }, profiles: ['nats'] },
    { shell: { COMPOSE_PROFILES: 'rabbit,monitoring' }, profiles: ['rabbit', 'monitoring'] },
    { shell: { COMPOSE_PROFILES: 'nats,monitoring' }, profiles: ['nats', 'monitoring'] },
    { shell: { COMPOSE_PROFILES: 'partitioned' }, profiles: ['partitioned'] },
  ];
  for (const { shell, profiles } of cases) {
    const how = shell.COMPOSE_PROFILES ? `with COMPOSE_PROFILES=${shell.COMPOSE_PROFILES}` : 'as it is';
    it(`docker-compose up ${how} starts ${profiles.join(' + ')}`, async (t) => {
      const dockerCompose = which('docker-compose');
      if (!dockerCompose)
        return skipLoudly(t, 'docker-compose is not installed (apt-get install docker-compose)');
      const { stdout } = await run(composePython(dockerCompose), ['-c', CHOOSE], {
        cwd: REPO_ROOT,
        env: cleanShell(shell),
      });
      const chosen = JSON.parse(stdout) as { profiles: string[]; services: string[] };
      assert.deepEqual(chosen.profiles, profiles);
      assert.deepEqual(chosen.services, expected(profiles));
      assert.ok(chosen.services.includes(profiles[0] === 'nats' ? 'nats' : 'rabbitmq'), 'its broker');
      if (profiles.includes('monitoring')) assert.ok(chosen.services.includes('prometheus'));
    });
  }
});
