#!/usr/bin/env node
import { main } from './cli/main.js';

main().catch((error: unknown) => {
  process.stderr.write(`pipeline: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
