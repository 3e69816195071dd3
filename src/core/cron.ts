/** Validation of standard five-field cron expressions (as accepted by CronJob and Velero schedules). */

/** A field's position: minute, hour, day of month, month, day of week. */
type Field = 0 | 1 | 2 | 3 | 4;
/** The five fields of an expression, in order. */
type CronFields = [minute: string, hour: string, dayOfMonth: string, month: string, dayOfWeek: string];

const RANGES: Readonly<Record<Field, readonly [number, number]>> = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];
const NAMES: Readonly<Record<Field, readonly string[] | undefined>> = [
  undefined,
  undefined,
  undefined,
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
];
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function value(s: string, field: Field): number | undefined {
  const names = NAMES[field];
  if (names) {
    const i = names.indexOf(s.toLowerCase());
    if (i >= 0) return field === 3 ? i + 1 : i;
  }
  if (!/^[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  const [lo, hi] = RANGES[field];
  return n >= lo && n <= hi ? n : undefined;
}

function validField(part: string, field: Field): boolean {
  return part.split(',').every((item) => {
    const [range = '', step] = item.split('/');
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return false;
    if (range === '*' || range === '?') return true;
    const [a = '', b] = range.split('-');
    const x = value(a, field);
    if (x === undefined) return false;
    if (b === undefined) return true;
    const y = value(b, field);
    return y !== undefined && x <= y;
  });
}

/** True when `expr` is a five-field cron expression or a supported macro (`@daily`, ...). */
export function isCronExpression(expr: string): boolean {
  const s = expr.trim();
  if (MACROS.has(s)) return true;
  const parts = s.split(/\s+/);
  return parts.length === 5 && parts.every((p, i) => validField(p, i as Field));
}

const MACRO_EXPANSION: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** The five fields of a valid expression (macros expanded). */
export function cronFields(expr: string): CronFields {
  const s = expr.trim();
  const parts = (MACRO_EXPANSION[s] ?? s).split(/\s+/);
  if (parts.length !== 5) throw new Error(`cronFields: ${JSON.stringify(expr)} is not a five-field cron expression (check it with isCronExpression first)`);
  return parts as CronFields;
}

/** The values a field matches (`*` is every value; day of week 7 is Sunday, 0). */
function expand(part: string, field: Field): Set<number> {
  const [lo, hi] = RANGES[field];
  const out = new Set<number>();
  for (const item of part.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let a = lo;
    let b = hi;
    if (range !== '*' && range !== '?') {
      const [x = '', y] = range.split('-');
      a = value(x, field)!;
      // `5/15` means from 5 to the end in steps of 15.
      b = y !== undefined ? value(y, field)! : stepText !== undefined ? hi : a;
    }
    for (let v = a; v <= b; v += step) out.add(field === 4 && v === 7 ? 0 : v);
  }
  return out;
}

/**
 * The longest time, in minutes, between two consecutive runs of a valid cron expression (UTC, no leap seconds):
 * the worst-case age of the newest backup a schedule leaves. Days are walked over four years so that month lengths,
 * leap days and day-of-week/day-of-month combinations count; the usual `dom OR dow` rule applies when both are set.
 */
export function cronMaxIntervalMinutes(expr: string): number {
  const [minute, hour, dom, month, dow] = cronFields(expr);
  const minutes = [...expand(minute, 0)].sort((a, b) => a - b);
  const hours = [...expand(hour, 1)].sort((a, b) => a - b);
  const doms = expand(dom, 2);
  const months = expand(month, 3);
  const dows = expand(dow, 4);
  const domAny = dom === '*' || dom === '?';
  const dowAny = dow === '*' || dow === '?';
  const times = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
  const last = times.at(-1);
  if (last === undefined) throw new Error(`cronMaxIntervalMinutes: ${JSON.stringify(expr)} matches no time of day`);
  if (domAny && dowAny && months.size === 12) {
    // Every day alike: the gaps of one day, and the one across midnight (from the last run of the day before).
    let gap = 0;
    let before = last - 1440;
    for (const t of times) {
      gap = Math.max(gap, t - before);
      before = t;
    }
    return gap;
  }
  const firstDay = Date.UTC(2024, 0, 1);
  let previous: number | undefined;
  let longest = 0;
  for (let d = 0; d < 4 * 366; d++) {
    const day = new Date(firstDay + d * 86_400_000);
    const domHit = doms.has(day.getUTCDate());
    const dowHit = dows.has(day.getUTCDay());
    const dayMatches = months.has(day.getUTCMonth() + 1) && (domAny && dowAny ? true : domAny ? dowHit : dowAny ? domHit : domHit || dowHit);
    if (!dayMatches) continue;
    for (const t of times) {
      const at = d * 1440 + t;
      if (previous !== undefined) longest = Math.max(longest, at - previous);
      previous = at;
    }
  }
  return longest;
}
