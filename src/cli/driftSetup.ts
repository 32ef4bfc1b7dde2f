/**
 * The model replica's drift reporter, from the model file and the drift options: shared by `pipeline model` and
 * the one-process pipeline. A model file without a reference profile still predicts; drift is then off, said once.
 */
import { hostname } from 'node:os';
import { compileDriftInjections, parseDriftInjections, type VectorShift } from '../core/driftInjection.js';
import type { Logger } from '../core/log.js';
import type { LinearModel } from '../core/linearModel.js';
import type { Transport } from '../core/transport.js';
import { DriftReporter } from '../services/driftReporter.js';

export interface DriftArgs {
  readonly drift: boolean;
  readonly driftWindow: number;
}

/** The reporter the options ask for, or undefined (with `--no-drift`, or a model file without a reference). */
export function driftReporterFor(
  model: LinearModel,
  args: DriftArgs,
  transport: Transport,
  log: Logger,
): DriftReporter | undefined {
  if (!args.drift) return undefined;
  const reference = model.reference;
  if (reference === undefined) {
    log(
      'info',
      'the model file has no reference profile: drift is off; retrain with `pipeline train` to enable it',
    );
    return undefined;
  }
  return new DriftReporter(transport, {
    reference,
    featureNames: model.features,
    // Unique among replicas on several hosts, and stable for the life of the process.
    source: `${hostname()}-${process.pid}`,
    window: args.driftWindow,
  });
}

/** The vector shift of `--inject-drift`, checked against the data set's features; throws for a bad value (exit 2). */
export function injectedDrift(
  values: readonly string[] | undefined,
  featureNames: readonly string[],
): VectorShift | undefined {
  return compileDriftInjections(parseDriftInjections(values ?? [], featureNames), featureNames);
}
