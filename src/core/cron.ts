/** Validation of standard five-field cron expressions (as accepted by CronJob and Velero schedules). */

const RANGES: Array<[number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
const NAMES = [undefined, undefined, undefined,
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']];
const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

function value(s: string, field: number): number | undefined {
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

function validField(part: string, field: number): boolean {
  return part.split(',').every((item) => {
    const [range, step] = item.split('/');
    if (step !== undefined && !/^[1-9][0-9]*$/.test(step)) return false;
    if (range === '*' || range === '?') return true;
    const [a, b] = range.split('-');
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
  return parts.length === 5 && parts.every((p, i) => validField(p, i));
}
