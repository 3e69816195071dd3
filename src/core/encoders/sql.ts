/** SQL literals and identifiers, for the few statements this library writes itself. */

/** A PostgreSQL identifier, always quoted (`quote_ident`): `"` doubled. */
export function postgresIdentifier(s: string): string {
  if (s.includes('\0')) throw new Error('a PostgreSQL identifier cannot hold a NUL character');
  return `"${s.replace(/"/g, '""')}"`;
}

/** A PostgreSQL string literal (`quote_literal` with standard_conforming_strings on): `'` doubled. */
export function postgresLiteral(s: string): string {
  if (s.includes('\0')) throw new Error('a PostgreSQL string cannot hold a NUL character');
  return `'${s.replace(/'/g, "''")}'`;
}

/** A ClickHouse string literal: backslash and `'` escaped with a backslash (ClickHouse reads C escapes in strings). */
export function clickhouseString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
