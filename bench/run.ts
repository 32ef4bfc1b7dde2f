/**
 * `npm run bench`: runs every benchmark, prints one table and writes it as JSON to bench/results/.
 * See `npm run bench -- --help`. Exits 1 when a benchmark broke (a missed target is a result, not a failure),
 * 2 on bad arguments.
 */
import { join } from 'node:path';
import { runBench } from './harness.js';
import { REPO_ROOT } from './support/launch.js';
import { parseBenchArgs, USAGE, UsageError } from './support/options.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchArgs(process.argv.slice(2), join(REPO_ROOT, 'bench', 'results'));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const report = await runBench(options);
  return report.figures.some((f) => f.status === 'failed') ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
