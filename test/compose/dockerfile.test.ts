/**
 * The Dockerfile, linted against the project it builds (no Docker engine runs here): the npm scripts it runs
 * exist, the entrypoint is the CLI that package.json's bin names and tsc emits, what it copies exists and is
 * not excluded from the build context, and the runtime stage is production-only, unprivileged and complete.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { DEFAULT_DATASET, DEFAULT_MODEL, PACKAGE_ROOT } from '../../src/cli/paths.js';
import { REPO_ROOT } from '../../harness/cli.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: Instruction[];
}

/** Instructions by stage: continuation lines joined, comments dropped. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  const logical = text
    .replace(/\\\n(?:\s*#.*\n)*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args: rest.replace(/\s+/g, ' ') };
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = instruction.args.split(' ');
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length === 0 && instruction.keyword === 'ARG') {
      const [k = '', v = ''] = instruction.args.split('=');
      args.set(k, v);
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return { args, stages };
}

const { args, stages } = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
  engines: { node: string };
};
const build = stages[0];
const runtime = stages.at(-1);
const all = (s: Stage | undefined, keyword: string): string[] =>
  (s?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
const runs = (s: Stage | undefined): string => all(s, 'RUN').join('\n');
const workdir = (s: Stage | undefined): string => all(s, 'WORKDIR').at(-1) ?? '/';

/** A path of the build context that a .dockerignore pattern excludes (prefixes and `*` globs). */
function ignored(path: string): string | undefined {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim().replace(/^\/|\/$/g, ''))
    .filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(!patterns.some((p) => p.startsWith('!')), 'exceptions (!) are not supported by this check');
  return patterns.find((p) => {
    const glob = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    return glob.test(path);
  });
}

describe('Dockerfile', () => {
  it('has a build stage and a slim runtime stage on the same Node image', () => {
    assert.ok(stages.length >= 2 && build?.name === 'build', 'the first stage is `build`');
    assert.notEqual(runtime, build);
    assert.equal(runtime?.from, build?.from, 'same base image');
    assert.match(runtime?.from ?? '', /^node:\$\{NODE_VERSION\}-.*slim$/);
    const version = args.get('NODE_VERSION') ?? '';
    // A minor, not a major alone (node:24 moves under a rebuild) nor a patch (it would miss security fixes).
    assert.match(version, /^\d+\.\d+$/, 'NODE_VERSION is pinned to a minor');
    const [major = 0, minor = 0] = version.split('.').map(Number);
    // Even majors are the LTS lines; odd ones are never LTS.
    assert.equal(major % 2, 0, `NODE_VERSION ${version} is an LTS line`);
    const [wantMajor = 0, wantMinor = 0] = (/>=\s*(\d+)\.(\d+)/.exec(pkg.engines.node) ?? [])
      .slice(1)
      .map(Number);
    assert.ok(
      major > wantMajor || (major === wantMajor && minor >= wantMinor),
      `NODE_VERSION satisfies engines ${pkg.engines.node}`,
    );
  });

  it('runs only npm scripts that package.json defines', () => {
    const used = [
      ...stages
        .map(runs)
        .join('\n')
        .matchAll(/npm run ([\w:-]+)/g),
    ].map((m) => m[1] ?? '');
    assert.ok(used.includes('build'), 'the build stage builds');
    for (const script of used) assert.ok(pkg.scripts[script], `npm script ${script} exists`);
    assert.doesNotMatch(stages.map(runs).join('\n'), /npm (install|i) /, 'npm ci, never npm install');
  });

  it('builds with dev dependencies, runs with production ones only and no lifecycle scripts', () => {
    assert.match(runs(build), /npm ci\b(?!.*--omit=dev)/);
    assert.match(runs(runtime), /npm ci\b(?=.*--omit=dev)(?=.*--ignore-scripts)/);
    // --ignore-scripts is safe only while no dependency the image needs has an install script.
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }>;
    };
    const needScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript && !p.dev);
    assert.deepEqual(
      needScripts.map(([name]) => name),
      [],
      'production dependencies with install scripts',
    );
  });

  it('has the built CLI of package.json bin as its entrypoint', () => {
    const bin = pkg.bin.pipeline ?? '';
    const tsconfig = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    const emitted = posix.join(
      tsconfig.compilerOptions.outDir,
      relative(tsconfig.compilerOptions.rootDir, 'src/cli.ts'),
    );
    assert.equal(bin, emitted.replace(/\.ts$/, '.js'), 'bin is what tsc emits for src/cli.ts');
    const entrypoint = JSON.parse(all(runtime, 'ENTRYPOINT').at(-1) ?? '[]') as string[];
    assert.deepEqual(entrypoint, ['node', posix.join(workdir(runtime), bin)], 'exec form: node gets SIGTERM');
  });

  it('copies the compiled CLI from the build stage', () => {
    const cli = posix.join(workdir(runtime), pkg.bin.pipeline ?? '');
    const copied = all(runtime, 'COPY')
      .filter((a) => a.startsWith('--from=build '))
      .map((a) => a.split(' ').slice(1))
      .some(([src = '', dst = '']) => {
        const to = posix.resolve(workdir(runtime), dst);
        const from = posix.resolve(workdir(build), src);
        return (
          cli.startsWith(`${to}/`) &&
          posix.join(from, posix.relative(to, cli)) === posix.join(workdir(build), pkg.bin.pipeline ?? '')
        );
      });
    assert.ok(copied, `${cli} comes from the build stage's output`);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    for (const stage of stages)
      for (const copy of all(stage, 'COPY').filter((a) => !a.startsWith('--from='))) {
        const sources = copy
          .split(' ')
          .filter((a) => !a.startsWith('--'))
          .slice(0, -1);
        for (const src of sources) {
          assert.ok(existsSync(join(REPO_ROOT, src)), `${src} exists`);
          assert.equal(ignored(src), undefined, `${src} is in the build context`);
        }
      }
  });

  it('holds what the CLI reads at run time: the data set, the model and the fonts', () => {
    const copiedDirs = all(runtime, 'COPY')
      .filter((a) => !a.startsWith('--from='))
      .flatMap((a) => a.split(' ').slice(0, -1));
    const fonts = readdirSync(join(REPO_ROOT, 'assets', 'fonts')).filter((f) => f.endsWith('.ttf'));
    assert.ok(fonts.length > 0);
    for (const file of [
      DEFAULT_DATASET,
      DEFAULT_MODEL,
      join(PACKAGE_ROOT, 'assets', 'fonts', fonts[0] ?? ''),
    ]) {
      const path = relative(PACKAGE_ROOT, file);
      assert.ok(
        copiedDirs.some((d) => path === d || path.startsWith(`${d}/`)),
        `${path} is in the image`,
      );
    }
    assert.ok(copiedDirs.includes('package.json'), 'package.json marks the package root');
  });

  it('runs as an unprivileged user, with system fonts installed', () => {
    const user = all(runtime, 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `runs as ${String(user)}`);
    assert.match(runs(runtime), /apt-get install[^\n]*fonts-dejavu-core/);
    assert.match(runs(runtime), /rm -rf \/var\/lib\/apt\/lists/);
  });

  it('keeps local builds, dependencies and secrets out of the build context', () => {
    for (const path of ['node_modules/x', 'dist/src/cli.js', '.git/HEAD', 'logs/metric_log.csv', '.env'])
      assert.ok(ignored(path), `${path} is ignored`);
  });
});
