/**
 * PostgreSQL configuration parameters as CloudNativePG writes them: `name = '<value with ' doubled>'`, one per line of
 * postgresql.conf. It escapes nothing else, and PostgreSQL's lexer reads backslash escapes inside quoted values and
 * ends a value at a line break, so the names and values it cannot hold are refused here rather than written.
 */

/** A parameter name: an identifier, or `<extension>.<name>` (PostgreSQL's `ID` and `QUALIFIED_ID`), lowercase. */
export const POSTGRES_PARAMETER_NAME = /^[a-z_][a-z0-9_]{0,62}(\.[a-z_][a-z0-9_]{0,62})?$/;

/** Words of postgresql.conf that are directives, not parameters: a "parameter" of that name would read a file. */
export const POSTGRES_CONF_DIRECTIVES: ReadonlySet<string> = new Set(['include', 'include_dir', 'include_if_exists']);

/** Why `name` cannot be a parameter name, or undefined. */
export function postgresParameterNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || !POSTGRES_PARAMETER_NAME.test(name)) {
    return 'must be a postgresql.conf parameter name: lowercase letters, digits and "_" (starting with a letter or "_"), optionally "<extension>.<name>"';
  }
  if (POSTGRES_CONF_DIRECTIVES.has(name)) return 'is a postgresql.conf directive that reads another file, not a parameter';
  if (name.startsWith('cnpg.')) return 'is in the "cnpg." namespace CloudNativePG reserves for itself';
  return undefined;
}

/** Why `value` cannot be written as a parameter value, or undefined. */
export function postgresParameterValueProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a string (postgresql.conf values are text, e.g. "256MB" or "on")';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    return 'must not contain line breaks, tabs or other control characters (postgresql.conf ends a value at the line break)';
  if (value.includes('\\')) return 'must not contain a backslash (CloudNativePG writes it unescaped and PostgreSQL would read it as an escape)';
  return undefined;
}

/** The line CloudNativePG writes for a checked parameter (what PostgreSQL reads; used by the tests and the docs). */
export function postgresConfLine(name: string, value: string): string {
  const p = postgresParameterNameProblem(name) ?? postgresParameterValueProblem(value);
  if (p !== undefined) throw new Error(`postgresql.conf cannot hold ${JSON.stringify(name)} = ${JSON.stringify(value)}: ${p}`);
  return `${name} = '${value.replace(/'/g, "''")}'`;
}
