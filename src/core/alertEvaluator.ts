/**
 * Alert state over time: which alerts start firing and which resolve, given the figures of the moment. Pure: the
 * caller passes the time, so the same figures at the same times always give the same transitions.
 *
 * Contract, per alert (a rule, or one column of a `psi.*` rule):
 * - It fires once its rule has held at every evaluation for `forMs` (at the first such evaluation when 0).
 * - It resolves once the value has been back past the threshold by a margin (hysteresis) at every evaluation for
 *   the same `forMs`. The margin is `ALERT_HYSTERESIS` (10 %) of the threshold's magnitude: `window.mae > 60`
 *   fires above 60 and resolves at 54 or below; `window.bias < -10` fires below −10 and resolves at −9 or above.
 *   A value hovering around 60 therefore fires once and stays firing. A threshold of 0 has no margin.
 * - A null (or missing, or NaN) value means "not enough data": it never fires an alert, never resolves one, and
 *   interrupts any run of evaluations counting towards either, which then starts again.
 * - Each change is reported once, as a transition; `firing()` lists the alerts firing now.
 * Time should come from a monotonic clock; a step backwards only delays a pending change.
 */
import { formatAlertRule, type AlertOperator, type AlertRule, AlertRuleError } from './alertRule.js';
import { PREDICTION_COLUMN, type ReferenceProfile } from './referenceProfile.js';

/** The resolve margin as a share of the threshold's magnitude (see the module documentation). */
export const ALERT_HYSTERESIS = 0.1;

/** An alert starting or ceasing to fire. */
export interface AlertTransition {
  /** The alert's name: its rule's canonical text, with the column in place of `*` for `psi.*`. */
  readonly rule: string;
  readonly state: 'firing' | 'resolved';
  /** The figure's value at the transition. */
  readonly value: number;
  /** The rule's threshold (relative ones worked out against the reference). */
  readonly threshold: number;
  /** The evaluation time of the transition, in ms. */
  readonly at: number;
}

/** An alert firing now. */
export interface FiringAlert {
  readonly rule: string;
  /** The latest non-null value of its figure. */
  readonly value: number;
  readonly threshold: number;
  /** When it fired, in ms. */
  readonly since: number;
}

/** An alert that was firing when an earlier run stopped: its name, latest value and when it fired, in ms. */
export interface RestoredAlert {
  readonly rule: string;
  readonly value: number;
  readonly since: number;
}

/** The figures of the moment by name (`window.mae`, `psi.bmi`, …); null or absent when there is not enough data. */
export type FigureLookup =
  ((name: string) => number | null | undefined) | Readonly<Record<string, number | null | undefined>>;

export interface AlertEvaluatorOptions {
  /** Resolve margin as a share of the threshold's magnitude. @default ALERT_HYSTERESIS */
  readonly hysteresis?: number;
}

interface Alert {
  readonly name: string;
  readonly figure: string;
  readonly operator: AlertOperator;
  readonly threshold: number;
  /** The bound the value must be back past to resolve. */
  readonly clearAt: number;
  readonly forMs: number;
  firing: boolean;
  /** Start of the current run of evaluations towards the other state, or null. */
  since: number | null;
  firedAt: number;
  value: number;
}

const holds = (op: AlertOperator, value: number, bound: number): boolean =>
  op === '>' ? value > bound : op === '<' ? value < bound : op === '>=' ? value >= bound : value <= bound;

/**
 * Evaluates parsed rules against the figures of successive moments and reports alerts that start or stop firing.
 *
 * @example
 * ```ts
 * const alerts = new AlertEvaluator(parseAlertRules('window.mae > 60 for 30s'), reference);
 * alerts.evaluate({ 'window.mae': 65 }, 0); // []: pending
 * alerts.evaluate({ 'window.mae': 66 }, 30_000); // [{ rule: 'window.mae > 60 for 30s', state: 'firing', … }]
 * alerts.evaluate({ 'window.mae': 58 }, 40_000); // []: 58 is not at or below 54
 * ```
 */
export class AlertEvaluator {
  readonly #alerts: Alert[];

  /**
   * @param reference the model file's reference profile: its columns are what `psi.*` stands for (none without
   *   one), and it scales relative thresholds.
   * @throws AlertRuleError when a rule needs what the reference lacks (a relative threshold, a `psi.<column>`), or
   *   two rules name the same alert.
   */
  constructor(
    rules: readonly AlertRule[],
    reference?: ReferenceProfile,
    options: AlertEvaluatorOptions = {},
  ) {
    const hysteresis = options.hysteresis ?? ALERT_HYSTERESIS;
    if (!(hysteresis >= 0 && hysteresis < 1))
      throw new RangeError(`hysteresis must be in [0, 1), got ${hysteresis}`);
    const columns = reference === undefined ? [] : [...Object.keys(reference.features), PREDICTION_COLUMN];
    const refuse = (rule: AlertRule, problem: string, expected: string): never => {
      throw new AlertRuleError(rule.text, undefined, problem, expected);
    };
    this.#alerts = rules.flatMap((rule) => {
      const t = rule.threshold;
      let threshold: number;
      if (t.kind === 'absolute') threshold = t.value;
      else if (reference !== undefined) threshold = t.factor * reference[t.reference];
      else
        return refuse(
          rule,
          `reference.${t.reference} needs a reference profile`,
          'a model file with "reference"',
        );
      const margin = hysteresis * Math.abs(threshold);
      const clearAt =
        rule.operator === '>' || rule.operator === '>=' ? threshold - margin : threshold + margin;
      const make = (figure: string, column?: string): Alert => ({
        name: formatAlertRule(rule, column),
        figure,
        operator: rule.operator,
        threshold,
        clearAt,
        forMs: rule.forMs,
        firing: false,
        since: null,
        firedAt: NaN,
        value: NaN,
      });
      if (rule.figure === 'psi.*') return columns.map((c) => make(`psi.${c}`, c));
      if (rule.figure.startsWith('psi.') && !columns.includes(rule.figure.slice(4)))
        refuse(
          rule,
          `the reference profile has no column "${rule.figure.slice(4)}"`,
          columns.length === 0 ? 'a model file with "reference"' : `one of ${columns.join(', ')}`,
        );
      return [make(rule.figure)];
    });
    const names = new Set<string>();
    for (const a of this.#alerts) {
      if (names.has(a.name))
        throw new AlertRuleError(
          a.name,
          undefined,
          'two rules make this same alert',
          'each alert from one rule',
        );
      names.add(a.name);
    }
  }

  /** The names of every alert the rules make, in rule order (columns in profile order, then prediction). */
  get alerts(): readonly string[] {
    return this.#alerts.map((a) => a.name);
  }

  /**
   * Evaluates every alert at time `nowMs` against `figures` and returns the alerts that started firing or resolved
   * (see the module documentation), in rule order.
   */
  evaluate(figures: FigureLookup, nowMs: number): AlertTransition[] {
    if (!Number.isFinite(nowMs)) throw new RangeError(`the time must be a finite number of ms, got ${nowMs}`);
    const lookup =
      typeof figures === 'function'
        ? figures
        : (name: string): number | null | undefined =>
            Object.hasOwn(figures, name) ? figures[name] : undefined;
    const transitions: AlertTransition[] = [];
    for (const a of this.#alerts) {
      const value = lookup(a.figure);
      if (value === null || value === undefined || Number.isNaN(value)) {
        a.since = null;
        continue;
      }
      if (a.firing) a.value = value;
      // Towards the other state: the rule holding while quiet, the value past the margin while firing.
      const towards = a.firing ? !holds(a.operator, value, a.clearAt) : holds(a.operator, value, a.threshold);
      if (!towards) {
        a.since = null;
        continue;
      }
      a.since ??= nowMs;
      if (nowMs - a.since < a.forMs) continue;
      a.firing = !a.firing;
      a.since = null;
      a.value = value;
      if (a.firing) a.firedAt = nowMs;
      const state = a.firing ? 'firing' : 'resolved';
      transitions.push({ rule: a.name, state, value, threshold: a.threshold, at: nowMs });
    }
    return transitions;
  }

  /**
   * Takes up alerts that were firing when an earlier run stopped (see `lastEventPerRule`): each one named by a rule
   * here fires from `since` without a transition of its own, and resolves like any other. Alerts no rule makes any
   * more are left out. Returns the names taken up.
   */
  restore(firing: readonly RestoredAlert[]): string[] {
    const taken: string[] = [];
    for (const f of firing) {
      const a = this.#alerts.find((x) => x.name === f.rule);
      if (a === undefined || a.firing || !Number.isFinite(f.since)) continue;
      a.firing = true;
      a.since = null;
      a.firedAt = f.since;
      a.value = f.value;
      taken.push(a.name);
    }
    return taken;
  }

  /** The alerts firing now, in rule order: for a summary. */
  firing(): FiringAlert[] {
    return this.#alerts
      .filter((a) => a.firing)
      .map((a) => ({ rule: a.name, value: a.value, threshold: a.threshold, since: a.firedAt }));
  }
}
