/**
 * Fluent Bit's classic configuration format: `[SECTION]` headers and `Key value` lines, a value being the rest of the
 * line, trimmed. Fluent Bit expands `${VAR}` from its environment anywhere in a value and has no escape for it, and a
 * line break would start a new entry or section, so values holding either are refused, never escaped.
 */

/** One section: its name (`SERVICE`, `INPUT`, `FILTER`, `OUTPUT`) and its entries in order. */
export interface FluentBitSection {
  readonly name: string;
  /** `[key, value]`; a value that should read an environment variable is written with {@link fluentBitEnvRef}. */
  readonly entries: ReadonlyArray<readonly [string, string | FluentBitEnvRef]>;
}

/** A value Fluent Bit reads from its environment when it starts (`${NAME}`): the only expansion written on purpose. */
export interface FluentBitEnvRef {
  readonly env: string;
}

export function fluentBitEnvRef(env: string): FluentBitEnvRef {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(env)) throw new Error(`not an environment variable name: ${env}`);
  return { env };
}

/** Why `value` cannot be a Fluent Bit value, or undefined. */
export function fluentBitValueProblem(value: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    return 'must not contain line breaks or other control characters (each line of the Fluent Bit configuration is one entry)';
  if (value.trim() !== value || value === '') return 'must not be empty or start or end with spaces (Fluent Bit trims values)';
  if (value.includes('${')) return 'must not contain "${" (Fluent Bit would expand it from its environment, where the backend password is)';
  return undefined;
}

function key(k: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_.-]*$/.test(k)) throw new Error(`not a Fluent Bit key: ${k}`);
  return k;
}

function value(v: string | FluentBitEnvRef): string {
  if (typeof v !== 'string') return `\${${v.env}}`;
  const p = fluentBitValueProblem(v);
  if (p !== undefined) throw new Error(`Fluent Bit value ${JSON.stringify(v)} ${p}`);
  return v;
}

/** The configuration file: sections separated by blank lines, keys aligned per section. */
export function renderFluentBitConfig(sections: readonly FluentBitSection[]): string {
  return `${sections
    .map((s) => {
      if (!/^[A-Z]+$/.test(s.name)) throw new Error(`not a Fluent Bit section: ${s.name}`);
      const width = Math.max(...s.entries.map(([k]) => k.length));
      return [`[${s.name}]`, ...s.entries.map(([k, v]) => `    ${key(k).padEnd(width)} ${value(v)}`)].join('\n');
    })
    .join('\n\n')}\n`;
}
