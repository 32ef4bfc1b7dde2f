/**
 * Alert rules written as strings, as a user puts them in an environment variable. Pure.
 *
 * ```
 * rule      := figure op threshold [ "for" duration ]
 * figure    := window.<stat> | all.<stat> | psi.<feature> | psi.prediction | psi.*
 * stat      := mae | rmse | bias | r2 | p50 | p95 | p99 | max
 * op        := > | < | >= | <=
 * threshold := number | [number mul] reference.(mae|rmse) | reference.(mae|rmse) mul number
 * mul       := * | × | x
 * duration  := number (ms | s | m | h), e.g. 30s
 * ```
 * `window.<stat>` figures cover the quality window (`--window`), `all.<stat>` every record since the start. A feature's name runs
 * to the next space or comparison sign; `psi.*` stands for one alert per profiled column, each feature and the
 * prediction. A threshold relative to the reference (the in-sample
 * error of the model file's reference profile) only fits figures in the target's units: not r2, not psi.
 *
 * A bad rule is an `AlertRuleError` saying what was found at which position (1-based) and what was expected.
 */
import { DURATION_UNITS_MS, formatDuration, type DurationUnit } from './duration.js';

/** The statistics a `window.` or `all.` figure may name. */
export const ALERT_STATS = ['mae', 'rmse', 'bias', 'r2', 'p50', 'p95', 'p99', 'max'] as const;
export type AlertStat = (typeof ALERT_STATS)[number];
export type AlertOperator = '>' | '<' | '>=' | '<=';

/** A fixed number, or a multiple of the reference profile's `mae` or `rmse`. */
export type AlertThreshold =
  | { readonly kind: 'absolute'; readonly value: number }
  | { readonly kind: 'relative'; readonly factor: number; readonly reference: 'mae' | 'rmse' };

/** A parsed rule. */
export interface AlertRule {
  /** The rule in canonical spelling (`*` for the multiply sign, single spaces); names its alerts. */
  readonly text: string;
  /** `window.mae`, `all.r2`, `psi.bmi`, `psi.prediction` or `psi.*`. */
  readonly figure: string;
  readonly operator: AlertOperator;
  readonly threshold: AlertThreshold;
  /** How long the condition must hold, continuously, before the alert fires (and its opposite before it resolves). */
  readonly forMs: number;
}

/**
 * A rule that cannot be used: `rule` is its text, `position` the 1-based character where parsing went wrong
 * (undefined when the rule as a whole is at fault: given twice, or needing a reference the model lacks).
 */
export class AlertRuleError extends Error {
  override readonly name = 'AlertRuleError';
  constructor(
    readonly rule: string,
    readonly position: number | undefined,
    problem: string,
    expected: string,
  ) {
    const at = position === undefined ? '' : ` at position ${position}`;
    super(`alert rule ${JSON.stringify(rule)}: ${problem}${at}; expected ${expected}`);
  }
}

/** Default rule: any column's distribution moved significantly from training. */
export const DEFAULT_PSI_RULE = 'psi.* > 0.2';
/** Default rule when there is a reference: the error half as large again as in training. */
export const DEFAULT_MAE_RULE = 'window.mae > 1.5 * reference.mae';

/**
 * The rules to use when the user gives none: `psi.* > 0.2`, and `window.mae > 1.5 * reference.mae` when the
 * model file has a reference profile. Without one, `psi.*` stands for no column (PSI needs a reference too).
 *
 * @example
 * ```ts
 * defaultAlertRules(model.reference !== undefined).map((r) => r.text);
 * ```
 */
export function defaultAlertRules(hasReference: boolean): AlertRule[] {
  return parseAlertRules(hasReference ? `${DEFAULT_PSI_RULE}; ${DEFAULT_MAE_RULE}` : DEFAULT_PSI_RULE);
}

/**
 * Parses rules separated by `;`, as in an environment variable. Empty pieces (a trailing `;`) are skipped; a
 * rule given twice is refused.
 *
 * @example
 * ```ts
 * parseAlertRules('psi.* > 0.2; window.mae > 60 for 30s'); // two rules
 * ```
 * @param features when given, `psi.<name>` must name one of them (or `prediction`).
 * @throws AlertRuleError on the first bad rule.
 */
export function parseAlertRules(envValue: string, features?: readonly string[]): AlertRule[] {
  const rules: AlertRule[] = [];
  for (const piece of envValue.split(';')) {
    const text = piece.trim();
    if (text === '') continue;
    const rule = parseAlertRule(text, features);
    if (rules.some((r) => r.text === rule.text))
      throw new AlertRuleError(text, undefined, 'the same rule is given twice', 'each rule once in the list');
    rules.push(rule);
  }
  return rules;
}

const FIGURE_FORMS = `window.<stat>, all.<stat> (stat: ${ALERT_STATS.join(', ')}), psi.<feature>, psi.prediction or psi.*`;
/** A run of characters up to a space or a comparison: a figure, or what stands where one was expected. */
const WORD = /[^\s<>=!]*/y;
const COMPARISON_CHARS = /[<>=!]+/y;
const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;

/**
 * Parses one rule (see the module documentation for the grammar).
 *
 * @example
 * ```ts
 * parseAlertRule('window.mae > 1.5 × reference.mae for 30s');
 * // { text: 'window.mae > 1.5 * reference.mae for 30s', figure: 'window.mae', operator: '>',
 * //   threshold: { kind: 'relative', factor: 1.5, reference: 'mae' }, forMs: 30000 }
 * ```
 * @param features when given, `psi.<name>` must name one of them (or `prediction`).
 * @throws AlertRuleError
 */
export function parseAlertRule(text: string, features?: readonly string[]): AlertRule {
  let pos = 0;
  const fail = (problem: string, expected: string, at = pos): never => {
    throw new AlertRuleError(text, at + 1, problem, expected);
  };
  const skipSpace = (): void => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  /** What lies at `pos`, for error messages. */
  const found = (): string =>
    pos >= text.length ? 'the end of the rule' : JSON.stringify(word() || run(COMPARISON_CHARS));
  const run = (re: RegExp): string => {
    re.lastIndex = pos;
    return re.exec(text)?.[0] ?? '';
  };
  const word = (): string => run(WORD);
  const match = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return undefined;
    pos += m[0].length;
    return m[0];
  };

  skipSpace();
  if (pos === text.length) fail('the rule is empty', `a rule such as "${DEFAULT_PSI_RULE}"`);
  const figureAt = pos;
  const figure = word();
  pos += figure.length;
  if (figure === '') fail(`found ${found()}`, `a figure: ${FIGURE_FORMS}`);
  const [scope, ...rest] = figure.split('.');
  const name = rest.join('.');
  if (scope === 'window' || scope === 'all') {
    if (!(ALERT_STATS as readonly string[]).includes(name))
      fail(
        `unknown figure "${figure}"`,
        `one of ${ALERT_STATS.map((s) => `${scope}.${s}`).join(', ')}`,
        figureAt,
      );
  } else if (scope === 'psi') {
    if (name === '') fail(`"${figure}" names no column`, 'psi.<feature>, psi.prediction or psi.*', figureAt);
    if (features !== undefined && name !== '*' && name !== 'prediction' && !features.includes(name))
      fail(
        `unknown feature "${name}"`,
        `one of psi.*, psi.prediction, ${features.map((f) => `psi.${f}`).join(', ')}`,
        figureAt + 4,
      );
  } else fail(`unknown figure "${figure}"`, FIGURE_FORMS, figureAt);

  skipSpace();
  const operator = match(/>=|<=|>|</y) as AlertOperator | undefined;
  if (operator === undefined)
    return fail(`found ${found()} after the figure`, 'a comparison: >, <, >= or <=');
  if (text[pos] === '=') fail('found "=" after the comparison', 'a threshold, a number or reference.mae');

  skipSpace();
  const threshold = parseThreshold();
  if (threshold.kind === 'relative' && (scope === 'psi' || name === 'r2'))
    fail(
      `${figure} cannot be compared with reference.${threshold.reference}, which is in the target's units`,
      'a plain number',
      figureAt,
    );

  skipSpace();
  let forMs = 0;
  const hold = match(/for(?![^\s\d])/y) !== undefined;
  if (hold) {
    skipSpace();
    const durationAt = pos;
    const amount = match(/\d+(?:\.\d+)?|\.\d+/y);
    skipSpace();
    const unit = match(/(?:ms|s|m|h)(?![^\s])/y) as DurationUnit | undefined;
    if (amount === undefined || unit === undefined)
      fail(
        `found ${found()} after "for"`,
        'a duration such as 30s (units ms, s, m, h)',
        amount ? pos : durationAt,
      );
    forMs = Number(amount) * DURATION_UNITS_MS[unit!];
  }
  skipSpace();
  if (pos < text.length)
    fail(`found ${found()}`, hold ? 'the end of the rule' : '"for <duration>" or the end of the rule');

  const rule: AlertRule = { text: '', figure, operator, threshold, forMs };
  return Object.freeze({ ...rule, text: formatAlertRule(rule) });

  function parseThreshold(): AlertThreshold {
    const expected = 'a threshold: a number, reference.mae, reference.rmse or <number> * reference.mae';
    const reference = (): 'mae' | 'rmse' => {
      const at = pos;
      const ref = match(/reference\.[^\s<>=*×]*/y);
      if (ref === 'reference.mae' || ref === 'reference.rmse')
        return ref === 'reference.mae' ? 'mae' : 'rmse';
      return fail(`found ${ref ? JSON.stringify(ref) : found()}`, 'reference.mae or reference.rmse', at);
    };
    const multiply = (): boolean => {
      const at = pos;
      skipSpace();
      // A letter x multiplies only as a word of its own (or glued to reference.), so `60 xyz` reads as junk.
      if (match(/[*×]|x(?=\s|reference\.)/y) !== undefined) return (skipSpace(), true);
      pos = at;
      return false;
    };
    const number = (): number => {
      const at = pos;
      const digits = match(NUMBER);
      if (digits === undefined) return fail(`found ${found()}`, expected);
      const n = Number(digits);
      return Number.isFinite(n) ? n : fail(`${digits} is out of range`, 'a finite number', at);
    };
    if (text.startsWith('reference.', pos)) {
      const ref = reference();
      return { kind: 'relative', reference: ref, factor: multiply() ? number() : 1 };
    }
    const value = number();
    return multiply()
      ? { kind: 'relative', factor: value, reference: reference() }
      : { kind: 'absolute', value };
  }
}

/**
 * A rule in canonical spelling; with `column`, the name of its alert for that column (for `psi.*`).
 *
 * @example
 * ```ts
 * formatAlertRule(parseAlertRule('psi.*>0.2'), 'bmi'); // 'psi.bmi > 0.2'
 * ```
 */
export function formatAlertRule(rule: Omit<AlertRule, 'text'>, column?: string): string {
  const figure = column !== undefined && rule.figure === 'psi.*' ? `psi.${column}` : rule.figure;
  const t = rule.threshold;
  const threshold =
    t.kind === 'absolute'
      ? String(t.value)
      : `${t.factor === 1 ? '' : `${t.factor} * `}reference.${t.reference}`;
  return `${figure} ${rule.operator} ${threshold}${rule.forMs > 0 ? ` for ${formatDuration(rule.forMs)}` : ''}`;
}
