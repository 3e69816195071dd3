/** Durations written as people write them in objectives and profiles: `15m`, `1h`, `1h30m`, `2d`, `90s`. */

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** Seconds of a duration such as `15m` or `1h30m`; undefined when it is not one (or is zero). */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const m = DURATION.exec(text);
  if (!m) return undefined;
  const [d = 0, h = 0, min = 0, s = 0] = m.slice(1).map((x) => Number(x ?? 0));
  const total = ((d * 24 + h) * 60 + min) * 60 + s;
  return total > 0 ? total : undefined;
}

/** The shortest spelling of a number of seconds: `6h`, `15m`, `1h30m`, `1d`, `45s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'never';
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.length > 0 ? parts.join('') : '0s';
}
