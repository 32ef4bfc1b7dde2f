/**
 * The metric and label names a PromQL expression reads: enough of PromQL for the dashboards shipped with the
 * compose file, so that a test can hold every query to the metric contract (src/metrics/metricNames.ts).
 */

export interface PromqlNames {
  /** Series names, as written (`pipeline_absolute_error_bucket`). */
  readonly metrics: readonly string[];
  /** Label names in matchers and in by / without / on / ignoring / group_left / group_right. */
  readonly labels: readonly string[];
}

/** Bare words that are PromQL, not series. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const MATCHER = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g;

/**
 * @example
 * ```ts
 * promqlNames('sum by (le) (rate(pipeline_absolute_error_bucket{service="metric"}[$__rate_interval]))');
 * // { metrics: ['pipeline_absolute_error_bucket'], labels: ['service', 'le'] }
 * ```
 */
export function promqlNames(expr: string): PromqlNames {
  const labels: string[] = [];
  const rest = expr
    // Strings first: a label value may look like anything.
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{([^}]*)\}/g, (_, inner: string) => {
      for (const m of inner.matchAll(MATCHER)) if (m[1] !== undefined) labels.push(m[1]);
      return ' ';
    })
    .replace(GROUPING, (_, inner: string) => {
      labels.push(
        ...inner
          .split(',')
          .map((l) => l.trim())
          .filter((l) => l !== ''),
      );
      return ' ';
    })
    // Ranges and subqueries, Grafana's variables, durations and numbers (1e3 would read as a name `e3`).
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/g, ' ')
    .replace(/\b\d+(?:ms|[smhdwy])\b/g, ' ')
    .replace(/\b\d+(?:\.\d*)?(?:e[+-]?\d+)?\b/gi, ' ');
  const metrics: string[] = [];
  for (const m of rest.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)) {
    const name = m[1] ?? '';
    // Followed by `(`: a function or an aggregation.
    if (m[2] === undefined && !KEYWORDS.has(name.toLowerCase())) metrics.push(name);
  }
  return { metrics: [...new Set(metrics)], labels: [...new Set(labels)] };
}
