/**
 * The order synth sorts names and keys in: by UTF-16 code unit, as `<` compares strings. The same on every machine,
 * whatever its locale (`localeCompare` follows ICU's collation of the current locale, and its first call loads that
 * collation: about 12 ms of every synth).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
