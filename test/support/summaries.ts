/** Summaries and alert events for the dashboard's tests: valid bodies, with the parts a test cares about given. */
import type { QualityFigures } from '../../src/core/quality.js';
import type { AlertEventBody, FiringAlertBody, SummaryBody } from '../../src/core/summaryBody.js';

/** Figures with `mae`, the others derived from it (so all-time and window differ when their MAEs do). */
export const figuresOf = (mae: number): QualityFigures => ({
  mae,
  rmse: mae * 1.25,
  bias: -mae / 10,
  r2: 0.5,
  p50: mae,
  p95: mae * 2,
  p99: mae * 3,
  max: mae * 4,
});

/** A summary of `n` records: all-time MAE 40, window MAE 50, drift over `psi`, `alerts` firing. */
export function summaryOf(
  options: {
    n?: number;
    psi?: Record<string, number | null>;
    drift?: Partial<SummaryBody['drift']>;
    alerts?: FiringAlertBody[];
  } = {},
): SummaryBody {
  const n = options.n ?? 400;
  return {
    updated: new Date(0).toISOString(),
    n,
    all: figuresOf(40),
    window: { ...figuresOf(50), size: 1000, n: Math.min(n, 1000) },
    drift: { enabled: true, n, sources: 1, psi: options.psi ?? { bmi: 0.31, age: 0.02 }, ...options.drift },
    alerts: options.alerts ?? [],
  };
}

export const firing = (rule: string, value = 1): FiringAlertBody => ({
  rule,
  value,
  threshold: 0.2,
  since: new Date(0).toISOString(),
});

export const alertEvent = (rule: string, state: AlertEventBody['state'], record = 10): AlertEventBody => ({
  at: new Date(0).toISOString(),
  rule,
  state,
  value: 0.5,
  threshold: 0.2,
  record,
});
