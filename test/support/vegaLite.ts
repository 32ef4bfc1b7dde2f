/** Compiling a Vega-Lite spec in a test, with what Vega-Lite warns about collected rather than printed. */
import { compile, type TopLevelSpec } from 'vega-lite';

/** The warnings and errors Vega-Lite logs while compiling `specs` (none for a spec that draws as meant). */
export function compileWarnings(...specs: TopLevelSpec[]): unknown[] {
  const warnings: unknown[] = [];
  const logger = {
    level: () => logger,
    warn: (...args: unknown[]) => (warnings.push(args), logger),
    info: () => logger,
    debug: () => logger,
    error: (...args: unknown[]) => (warnings.push(args), logger),
  };
  for (const spec of specs) compile(spec, { logger });
  return warnings;
}
