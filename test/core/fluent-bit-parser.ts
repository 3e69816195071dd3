/**
 * A small reader of Fluent Bit's classic configuration format, as Fluent Bit reads it (src/config_format/
 * flb_cf_fluentbit.c): `[SECTION]` lines, `Key value` lines (the value is the rest of the line, trimmed), `#` comments,
 * `@INCLUDE` / `@SET` directives, and `${VAR}` expanded in values. Used to prove what the generated files mean.
 */
export interface ParsedSection {
  readonly name: string;
  readonly entries: Array<[string, string]>;
}

export interface ParsedFluentBit {
  readonly sections: ParsedSection[];
  /** `@INCLUDE` / `@SET` lines (a generated file has none). */
  readonly directives: string[];
  /** Environment variables a value expands (`${NAME}`), in order. */
  readonly expansions: string[];
}

export function parseFluentBit(text: string): ParsedFluentBit {
  const sections: ParsedSection[] = [];
  const directives: string[] = [];
  const expansions: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('@')) {
      directives.push(line);
      continue;
    }
    const header = /^\[([^\]]+)\]$/.exec(line)?.[1];
    if (header !== undefined) {
      sections.push({ name: header.trim().toUpperCase(), entries: [] });
      continue;
    }
    const section = sections.at(-1);
    if (!section) throw new Error(`entry outside a section: ${raw}`);
    const [, key, value] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (key === undefined || value === undefined) throw new Error(`entry without a value: ${raw}`);
    for (const [, name = ''] of value.matchAll(/\$\{([^}]*)\}/g)) expansions.push(name);
    section.entries.push([key, value.trim()]);
  }
  return { sections, directives, expansions };
}
